import { spawn } from 'node:child_process'
import { once } from 'node:events'
import test from 'brittle'

/** Run a compiled example; resolves with its exit code and output. */
async function run (name: string): Promise<{ code: number | null, out: string }> {
  const script = new URL(`../examples/${name}.js`, import.meta.url).pathname
  const child = spawn(process.execPath, [script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  return { code, out }
}

test('examples/two-devices: the entry reaches a, attributed to b, and becomes final', async (t) => {
  const { code, out } = await run('two-devices')
  t.is(code, 0)
  t.ok(out.includes('a sees it confirmed, written by b'))
})

test('examples/toll-booth: exactly one of two offline double spends stands, everywhere', async (t) => {
  const { code, out } = await run('toll-booth')
  t.is(code, 0)
  t.ok(/INSUFFICIENT_FUNDS/.test(out), 'the losing payment is rejected for lack of funds')
  t.ok(out.includes('the view hashes are equal'), 'every device agrees')
})

test('examples/cold-chain: a breach flags the shipment', async (t) => {
  const { code, out } = await run('cold-chain')
  t.is(code, 0)
  t.ok(out.includes('temperature above 8 °C'))
})

test('examples/vehicle-history: a failed inspection grounds the vehicle, a pass ungrounds it', async (t) => {
  const { code, out } = await run('vehicle-history')
  t.is(code, 0)
  t.ok(out.includes('vehicle status: grounded'))
  t.ok(out.includes('vehicle status: active'))
})

test('examples/vehicles-offline: trucks part, write alone, meet again and agree', async (t) => {
  const { code, out } = await run('vehicles-offline')
  t.is(code, 0)
  t.ok(out.includes('all three agree: yes'))
})
