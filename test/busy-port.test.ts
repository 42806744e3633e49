/**
 * A busy API port fails the start at once, before the data folder is touched, and the message
 * says what to do: another port, or the daemon already serving this folder. The time to fail is
 * printed; the only bound checked is a generous 10 s (with the swarm on it took 13-25 s when the
 * port was found busy only after the ledger had opened; these runs are offline).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { access } from 'node:fs/promises'
import { createServer, type Server } from 'node:net'
import path from 'node:path'
import test from 'brittle'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

/** A plain TCP server on a free loopback port, closed at teardown. */
async function holdPort (t: test.Test): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { server.close() })
  return (server.address() as { port: number }).port
}

/** `meshledger daemon` with `args`, to its exit: the code, its last JSON log line, and the time it took. */
async function start (args: string[]): Promise<{ code: number, last: Record<string, any>, lines: Array<Record<string, any>>, ms: number }> {
  const started = Date.now()
  const child = spawn(process.execPath, [BIN, 'daemon', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const [code] = await once(child, 'exit') as [number]
  const lines = out.trim().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>)
  return { code, last: lines.at(-1) ?? {}, lines, ms: Date.now() - started }
}

async function exists (p: string): Promise<boolean> {
  return await access(p).then(() => true, () => false)
}

test('a port held by another program: fails at once, creates nothing, names --port', async (t) => {
  const port = await holdPort(t)
  const data = path.join(await tmp(t), 'data')
  const r = await start(['--data', data, '--port', String(port), '--offline', '--no-lan'])
  t.comment(`failed after ${r.ms} ms`)
  t.is(r.code, 1)
  t.is(r.last.code, 'PORT_IN_USE', r.last.error)
  t.ok(String(r.last.error).includes(`127.0.0.1:${port} is in use`), 'names the address')
  t.ok(String(r.last.error).includes('--port 0'), 'and the fix')
  t.absent(await exists(data), 'the data folder was not created')
  t.ok(r.ms < 10_000, 'well before the ledger would have opened')
})

test('a busy port fails before the library loads (no daemon, storage, hypercore or autobase modules)', async (t) => {
  const port = await holdPort(t)
  const data = path.join(await tmp(t), 'data')
  // A resolve hook lists every module the process loads.
  const hook = 'data:text/javascript,' + encodeURIComponent("export async function resolve (s, c, next) { const r = await next(s, c); process._rawDebug('LOADED ' + r.url); return r }")
  const register = 'data:text/javascript,' + encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hook)})`)
  const child = spawn(process.execPath, ['--import', register, BIN, 'daemon', '--data', data, '--port', String(port), '--offline', '--no-lan'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  child.stdout.resume()
  const [code] = await once(child, 'exit') as [number]
  t.is(code, 1, 'PORT_IN_USE exits 1')
  const loaded = err.split('\n').filter((l) => l.startsWith('LOADED ')).map((l) => l.slice(7))
  t.ok(loaded.some((u) => u.endsWith('/daemon/port-check.js')), 'the hook sees the modules')
  const heavy = loaded.filter((u) => /node_modules\/(hypercore|autobase|corestore|hyperswarm|hyperdht|hyperbee|fastify|rocksdb)/.test(u) || /\/src\/(ledger|daemon\/daemon|replica\/(replica|storage))\.js$/.test(u))
  t.alike(heavy, [], 'none of the library loaded')
})

test('a port held by a daemon of another folder: names that daemon', async (t) => {
  const other = await spawnDaemon(t, await tmp(t), ['--no-lan'])
  const port = Number(new URL(other.url).port)
  const data = path.join(await tmp(t), 'data')
  const r = await start(['--data', data, '--port', String(port), '--offline', '--no-lan'])
  t.comment(`failed after ${r.ms} ms`)
  t.is(r.last.code, 'PORT_IN_USE', r.last.error)
  t.ok(String(r.last.error).includes(`meshledger daemon (pid ${String(other.child.pid)}`), 'names the daemon holding it')
  t.ok(String(r.last.error).includes(other.url), 'and its address')
  t.absent(await exists(data))
})

test('the port of the daemon already serving this folder: DAEMON_RUNNING, with its address', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data, ['--no-lan'])
  const r = await start(['--data', data, '--port', new URL(d.url).port, '--offline', '--no-lan'])
  t.is(r.last.code, 'DAEMON_RUNNING', r.last.error)
  t.ok(String(r.last.error).includes(d.url))
  t.ok(String(r.last.error).includes('meshledger status'), 'says how to use it')
})

test('a start that fails after creating files says what it created', async (t) => {
  const data = path.join(await tmp(t), 'data')
  const r = await start(['--data', data, '--port', '0', '--offline', '--no-lan', '--key', 'not-a-key'])
  t.is(r.code, 2)
  const created = r.lines.find((l) => l.event === 'created')
  t.ok(created !== undefined, 'a created line before the failure')
  t.alike(created?.paths, [data, path.join(data, 'api-token')])
})
