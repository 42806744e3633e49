/**
 * The first start on a new ledger, as a person at a terminal sees it: the ledger key and the
 * device key labelled (on the first device they are one string, and it says why) and the next
 * steps. Logs for a machine stay JSON lines, the keys fields of `ready`. The terminal is a real
 * pseudo-terminal from util-linux's `script`; without it the first test skips, saying so.
 */
import { execFileSync, spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import test from 'brittle'
import { BIN } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

const hasScript = ((): boolean => {
  try {
    execFileSync('script', ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})()
if (!hasScript) console.log('# skipped the terminal test: util-linux `script` (a pseudo-terminal) is not installed')

/** Run `command` (argv) until its output includes `until`; resolves with the output so far. */
async function outputUntil (argv: string[], until: string): Promise<string> {
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
  let out = ''
  const done = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (out.includes(until)) resolve()
    })
    child.once('exit', () => reject(new Error(`exited before printing ${until}: ${out}`)))
  })
  try {
    await done
  } finally {
    const exited = once(child, 'exit')
    process.kill(-(child.pid as number), 'SIGTERM')
    await exited
  }
  return out
}

test('on a terminal, a new ledger\'s keys are labelled and the next steps printed', { skip: !hasScript }, async (t) => {
  const data = path.join(await tmp(t), 'data')
  const command = [process.execPath, BIN, 'daemon', '--data', data, '--port', '0', '--offline', '--no-lan'].join(' ')
  const out = (await outputUntil(['script', '-qec', command, '/dev/null'], 'append an entry')).replace(/\r/g, '')
  const ledger = /^ {2}ledger key {2}(\S+)$/m.exec(out)?.[1]
  const device = /^ {2}device key {2}(\S+)$/m.exec(out)?.[1]
  t.ok(ledger !== undefined && device !== undefined, 'both keys, each with its label')
  t.is(ledger, device, 'the same string on the first device')
  t.ok(out.includes('They are the same here: the first device\'s log is the one the ledger is named after'), 'and it says why')
  for (const step of [`meshledger invite --qr --data ${data}`, `meshledger dashboard --data ${data}`, 'meshledger append note']) {
    t.ok(out.includes(step), `next: ${step}`)
  }
})

test('logging JSON lines, the first start prints only JSON, the keys as fields', async (t) => {
  const data = path.join(await tmp(t), 'data')
  const out = await outputUntil([process.execPath, BIN, 'daemon', '--data', data, '--port', '0', '--offline', '--no-lan'], '"event":"ready"')
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  const ready = lines.find((l) => l.event === 'ready')
  t.is(ready?.mode, 'created')
  t.ok(typeof ready?.ledger === 'string' && typeof ready?.device === 'string', 'ledger and device fields')
})
