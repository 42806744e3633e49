import { spawn } from 'node:child_process'
import { once } from 'node:events'
import test from 'brittle'

test('examples/two-devices runs to the end and shows the entry confirmed', async (t) => {
  const script = new URL('../examples/two-devices.js', import.meta.url).pathname
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const [code] = await once(child, 'exit')
  t.is(code, 0)
  t.ok(out.includes('a sees it confirmed, written by b'), 'the entry reached a, attributed to b, and became final')
})
