/**
 * `meshledger doctor`: real checks on temp folders, a real daemon, a real DHT testnet.
 */
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { chmod } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { create, replicate, testnet, tmp } from './helpers/index.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'

const run = promisify(execFile)

interface Check { name: string, status: string, detail: string, fix?: string }

async function doctor (...args: string[]): Promise<{ code: number, checks: Record<string, Check> }> {
  const { code, stdout } = await run(process.execPath, [BIN, 'doctor', '--json', ...args]).then(
    ({ stdout }) => ({ code: 0, stdout }),
    (err: { code: number, stdout: string }) => ({ code: err.code, stdout: err.stdout })
  )
  const checks: Record<string, Check> = {}
  for (const c of (JSON.parse(stdout) as { checks: Check[] }).checks) checks[c.name] = c
  return { code, checks }
}

test('doctor: a sound folder passes offline, network checks skipped, exit 0', async (t) => {
  const data = await tmp(t)
  await run(process.execPath, [BIN, 'init', '--data', data])
  const { code, checks } = await doctor('--data', data, '--offline', '--port', '0')
  t.is(code, 0, 'exit 0 (the stopped daemon is only a warning)')
  t.is(checks.modes.status, 'ok')
  t.is(checks.encryption.status, 'ok', checks.encryption.detail)
  t.is(checks.daemon.status, 'warn')
  t.is(checks.dht.status, 'skip')
  t.is(checks.multicast.status, 'skip')
  for (const name of ['os', 'node', 'disk', 'clock']) t.is(checks[name].status, 'ok', `${name}: ${checks[name].detail}`)
})

test('doctor: loose modes are a failure with the fix', async (t) => {
  const data = await tmp(t)
  await run(process.execPath, [BIN, 'init', '--data', data])
  await chmod(data, 0o755)
  await chmod(path.join(data, 'api-token'), 0o644)
  const { code, checks } = await doctor('--data', data, '--offline', '--port', '0')
  t.is(code, 1, 'exit 1')
  t.is(checks.modes.status, 'fail')
  t.ok(checks.modes.detail.startsWith('2 path(s)'), checks.modes.detail)
  t.ok(checks.modes.fix?.includes('chmod -R go-rwx'), 'says how to fix it')
})

test('doctor: an encrypted ledger joined without its key is a failure', async (t) => {
  const a = await create(t)
  await a.append({ type: 'note', data: 'secret' })
  const data = await tmp(t)
  const stranger = new Ledger({ storage: path.join(data, 'store'), key: a.key, swarm: false })
  const told = once(stranger, 'encryption-key-required')
  await stranger.ready()
  const stop = replicate(a, stranger)
  await told
  stop()
  await stranger.close()
  const { code, checks } = await doctor('--data', data, '--offline', '--port', '0')
  t.is(code, 1)
  t.is(checks.encryption.status, 'fail')
  t.ok(checks.encryption.detail.startsWith('ENCRYPTION_KEY_REQUIRED'), checks.encryption.detail)
})

test('doctor: the port held by a real daemon, told apart from this folder\'s own', async (t) => {
  const dirA = await tmp(t)
  const d = await spawnDaemon(t, dirA)
  const pid = d.child.pid as number
  const port = new URL(d.url).port
  const other = await doctor('--data', await tmp(t), '--port', port, '--offline')
  t.is(other.code, 1, 'another folder: exit 1')
  t.is(other.checks.port.status, 'fail')
  t.ok(other.checks.port.detail.includes(`pid ${pid}`), other.checks.port.detail)
  const own = await doctor('--data', dirA, '--port', port, '--offline')
  t.is(own.checks.port.status, 'ok', own.checks.port.detail)
  t.is(own.checks.daemon.status, 'ok')
  t.ok(own.checks.daemon.detail.includes(`pid ${pid} at ${d.url}`), own.checks.daemon.detail)
  t.is(own.checks.encryption.status, 'skip', 'the daemon holds the folder')
})

test('doctor: DHT bootstrap reachable, and an unreachable one fails within its bound', async (t) => {
  const net = await testnet(t)
  const boot = (net.bootstrap ?? []).map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(',')
  const data = await tmp(t)
  const up = await doctor('--data', data, '--port', '0', '--bootstrap', boot, '--dht-host', '127.0.0.1', '--no-lan')
  t.is(up.checks.dht.status, 'ok', up.checks.dht.detail)
  t.is(up.checks.multicast.status, 'skip', '--no-lan skips multicast')
  const down = await doctor('--data', data, '--port', '0', '--bootstrap', '127.0.0.1:9', '--dht-host', '127.0.0.1', '--no-lan')
  t.is(down.checks.dht.status, 'fail', down.checks.dht.detail)
  t.is(down.code, 1)
})
