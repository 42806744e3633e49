/**
 * A newcomer runs `npm start` in one terminal and `npm test` in another: the daemon then holds the
 * default port 4737, and no test may depend on it being free. This runs the daemon and CLI test
 * files, as `npm test` would, while a real daemon listens on 4737.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import { DEFAULT_PORT } from '../src/daemon/config.js'
import { spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
/** Relative to the project, as brittle's glob resolves them. */
const FILES = ['daemon.test.js', 'daemon-api.test.js', 'cli.test.js'].map((f) => `dist/test/${f}`)
const BRITTLE = fileURLToPath(new URL('../../node_modules/brittle/brittle-node.js', import.meta.url))

/** Whether something listens on 127.0.0.1:`port` already. */
async function busy (port: number): Promise<boolean> {
  const server = createServer()
  try {
    await new Promise<void>((resolve, reject) => { server.once('error', reject).listen(port, '127.0.0.1', resolve) })
  } catch {
    return true
  }
  await new Promise((resolve) => server.close(resolve))
  return false
}

test(`the daemon and CLI tests pass while the default port ${DEFAULT_PORT} is taken`, { timeout: 900_000 }, async (t) => {
  // Taken already (a daemon from `npm start`, or another program): that is the case to test.
  const taken = await busy(DEFAULT_PORT)
  if (taken) t.comment(`port ${DEFAULT_PORT} is in use on this machine already: not starting a daemon there, running the tests as it is`)
  const d = taken ? null : await spawnDaemon(t, await tmp(t), ['--port', String(DEFAULT_PORT), '--no-lan'])
  if (d !== null) t.ok(d.url.endsWith(`:${DEFAULT_PORT}`), `a daemon listens on ${d.url}`)

  const child = spawn(process.execPath, [BRITTLE, '--timeout', '120000', ...FILES], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (b: Buffer) => { output += b.toString() })
  child.stderr.on('data', (b: Buffer) => { output += b.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) t.comment(output.split('\n').filter((l) => /not ok|Error|EADDRINUSE/.test(l)).slice(0, 20).join('\n'))
  t.is(code, 0, `${FILES.length} test files pass with ${DEFAULT_PORT} taken`)
  if (d !== null) t.ok((await d.api('GET', '/healthz')).body.ready, 'and the daemon on the default port was left alone')
})
