/**
 * Three hosts on a private network, for real: Linux network namespaces joined by a bridge (which
 * lives in a namespace of its own, so nothing touches the machine's own interfaces), each running
 * the real daemon binary. No public DHT, no internet: the namespaces have no route out.
 *
 * 1. LAN-only (`--lan-only`): the daemons find each other over mDNS and converge; one host's link
 *    is cut, all keep writing, the link comes back, all converge to one view.
 * 2. An own bootstrap node (`meshledger bootstrap`) on one host, LAN discovery off
 *    (`--no-lan --bootstrap IP:PORT`): the daemons find each other through the DHT, as peers
 *    `via` dht. (This needs the two DHT nodes `meshledger bootstrap` runs besides the bootstrap
 *    node: see src/cli/commands/network.ts.)
 *
 * Needs root and `ip netns` (iproute2); skipped with a message otherwise. Namespaces and processes
 * are removed at teardown, also when a step fails.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { createInterface } from 'node:readline'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { BIN } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

const PREFIX = `mlt${process.pid}`
const SUBNET = '10.88.0'
const BOOTSTRAP_PORT = 49737

/** Why namespaces cannot be used here, or null when they can. */
function unavailable (): string | null {
  if (process.platform !== 'linux') return 'not Linux'
  if (process.getuid?.() !== 0) return 'not root'
  const probe = `${PREFIX}-probe`
  const add = spawnSync('ip', ['netns', 'add', probe], { encoding: 'utf8' })
  if (add.error !== undefined) return `ip not found (${add.error.message}); install iproute2`
  if (add.status !== 0) return `ip netns add failed: ${add.stderr.trim()}`
  spawnSync('ip', ['netns', 'del', probe])
  return null
}

const reason = unavailable()

/** Everything started, by namespace: killed and removed even if the test process dies. */
const spawned = new Set<ChildProcess>()
const namespaces = new Set<string>()
process.once('exit', () => {
  for (const child of spawned) child.kill('SIGKILL')
  for (const ns of namespaces) spawnSync('ip', ['netns', 'del', ns])
})

/** Run a test body; a failure becomes a failed assertion (with the daemons' logs), never a crash. */
function guarded (body: (t: test.Test, logs: Map<string, string[]>) => Promise<void>): (t: test.Test) => Promise<void> {
  return async (t) => {
    const logs = new Map<string, string[]>()
    try {
      await body(t, logs)
    } catch (err) {
      t.fail(String((err as Error)?.stack ?? err))
      for (const [name, lines] of logs) t.comment(`--- ${name}\n${lines.slice(-40).join('\n')}`)
    }
  }
}

function ip (...args: string[]): void {
  const r = spawnSync('ip', args, { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr.trim()}`)
}

/** Remove namespaces left behind by earlier runs whose process is gone. */
function sweepStale (): void {
  const list = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout ?? ''
  for (const line of list.split('\n')) {
    const name = line.split(' ')[0]
    const m = /^mlt(\d+)-/.exec(name)
    if (m === null || Number(m[1]) === process.pid) continue
    try {
      process.kill(Number(m[1]), 0)
    } catch {
      spawnSync('ip', ['netns', 'del', name])
    }
  }
}

interface Net {
  hosts: string[]
  addresses: string[]
  /** Take host i's link down / up. */
  link (i: number, up: boolean): void
}

/** A switch namespace with a bridge, and `n` host namespaces with one veth each on it. */
function network (t: test.Test, n: number, tag: string): Net {
  const sw = `${PREFIX}-${tag}sw`
  const hosts = Array.from({ length: n }, (_, i) => `${PREFIX}-${tag}h${i + 1}`)
  const addresses = hosts.map((_, i) => `${SUBNET}.${i + 1}`)
  t.teardown(() => {
    for (const ns of [...hosts, sw]) {
      spawnSync('ip', ['netns', 'del', ns])
      namespaces.delete(ns)
    }
  }, { order: 1 }) // after the processes (order < 1)
  for (const ns of [...hosts, sw]) namespaces.add(ns)
  ip('netns', 'add', sw)
  ip('-n', sw, 'link', 'add', 'br0', 'type', 'bridge')
  ip('-n', sw, 'link', 'set', 'br0', 'up')
  hosts.forEach((ns, i) => {
    ip('netns', 'add', ns)
    ip('-n', ns, 'link', 'set', 'lo', 'up')
    ip('link', 'add', 'eth0', 'netns', ns, 'type', 'veth', 'peer', 'name', `p${i + 1}`, 'netns', sw)
    ip('-n', ns, 'addr', 'add', `${addresses[i]}/24`, 'dev', 'eth0')
    ip('-n', ns, 'link', 'set', 'eth0', 'up')
    ip('-n', sw, 'link', 'set', `p${i + 1}`, 'master', 'br0')
    ip('-n', sw, 'link', 'set', `p${i + 1}`, 'up')
  })
  return { hosts, addresses, link: (i, up) => ip('-n', hosts[i], 'link', 'set', 'eth0', up ? 'up' : 'down') }
}

/**
 * Start a long-running process inside `ns`, resolving once a stdout line satisfies `ready`.
 * Processes stop in teardown `order` (ties: in start order), before the namespaces go.
 */
async function start (t: test.Test, logs: Map<string, string[]>, ns: string, args: string[], ready: (line: string) => boolean, order = 0): Promise<{ child: ChildProcess, lines: string[] }> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  spawned.add(child)
  const lines: string[] = []
  logs.set(`${ns} ${args[0]}`, lines)
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); lines.push(d.toString()) })
  const exited = once(child, 'exit')
  exited.then(() => spawned.delete(child), () => {})
  t.teardown(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return
    child.kill('SIGTERM')
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000)
    await exited
    clearTimeout(timer)
  }, { order })
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      lines.push(line)
      if (ready(line)) resolve()
    })
    exited.then(() => reject(new Error(`${args[0]} in ${ns} exited: ${stderr}`)), reject)
  })
  return { child, lines }
}

/** Run the `meshledger` command inside `ns`; resolves with its parsed JSON output. */
async function cli (ns: string, args: string[]): Promise<any> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, BIN, ...args, '--json'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  let err = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const [code] = await once(child, 'exit') as [number | null]
  if (code !== 0) throw new Error(`meshledger ${args.join(' ')} in ${ns} exited ${String(code)}: ${err}`)
  return JSON.parse(out)
}

/** What a host's daemon holds: its status and every note, in view order. */
async function state (ns: string, data: string): Promise<{ status: any, notes: string[] }> {
  const [status, entries] = await Promise.all([
    cli(ns, ['status', '--data', data]),
    cli(ns, ['query', '--type', 'note', '--limit', '10000', '--data', data])
  ])
  return { status, notes: (entries.entries as Array<{ id: string }>).map((e) => e.id) }
}

async function poll<T> (what: string, fn: () => Promise<T | null>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms
  while (true) {
    const value = await fn()
    if (value !== null) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
}

/** All hosts hold the same notes (at least `min`), in the same order, at the same view length. */
async function converged (hosts: string[], data: string[], min: number): Promise<Array<{ status: any, notes: string[] }> | null> {
  const states = await Promise.all(hosts.map((ns, i) => state(ns, data[i])))
  const first = states[0]
  const same = states.every((s) => s.status.view.length === first.status.view.length && JSON.stringify(s.notes) === JSON.stringify(first.notes))
  return same && first.notes.length >= min ? states : null
}

/**
 * Data folders for the hosts: the first creates the ledger; the others are prepared to join it
 * (ledger key, and the encryption key a new ledger is created with), read-only until added.
 */
async function prepare (t: test.Test, n: number): Promise<{ data: string[], key: string, devices: string[] }> {
  const root = await tmp(t)
  const data = Array.from({ length: n }, (_, i) => path.join(root, `h${i + 1}`))
  const first = new Ledger({ storage: path.join(data[0], 'store'), swarm: false })
  await mkdir(data[0], { recursive: true })
  await first.ready()
  const key = first.key
  const encryptionKey = (first as unknown as { encryptionKey?: string | null }).encryptionKey ?? null
  const devices = [first.deviceKey as string]
  await first.close()
  for (const dir of data.slice(1)) {
    await mkdir(dir, { recursive: true })
    const l = new Ledger({ storage: path.join(dir, 'store'), swarm: false, key, ...(encryptionKey === null ? {} : { encryptionKey }) })
    await l.ready()
    devices.push(l.deviceKey)
    await l.close()
  }
  return { data, key, devices }
}

const daemonReady = (line: string): boolean => line.includes('"event":"ready"')

if (reason !== null) {
  test.skip(`netns: three hosts on a private network (skipped: ${reason})`, () => {})
} else {
  sweepStale()

  test('netns: LAN-only daemons find each other over mDNS, survive a cut link, converge', { timeout: 60_000 }, guarded(async (t, logs) => {
    const started = Date.now()
    const net = network(t, 3, 'l')
    const { data, key, devices } = await prepare(t, 3)
    await Promise.all(net.hosts.map((ns, i) => start(t, logs, ns, ['daemon', '--data', data[i], '--port', '0', '--lan-only', '--ack-interval', '100', '--durability', 'relaxed', '--log-level', 'debug', ...(i === 0 ? [] : ['--key', key])], daemonReady)))
    t.comment(`three daemons up in ${Date.now() - started} ms`)

    const peers = await poll('LAN peers', async () => {
      const all = await Promise.all(net.hosts.map((ns, i) => cli(ns, ['peers', '--data', data[i]])))
      return all.every((p) => p.peers.length === 2) ? all : null
    })
    t.ok(peers.every((p) => p.peers.every((x: { via: string }) => x.via === 'lan')), 'every host has the other two, via lan')
    t.ok(peers[0].peers.every((x: { address: string }) => x.address.startsWith(`${SUBNET}.`)), 'over the private network')
    t.comment(`full LAN mesh after ${Date.now() - started} ms`)

    for (const device of devices.slice(1)) await cli(net.hosts[0], ['add-member', device, '--data', data[0]])
    await poll('writers', async () => {
      const s = await Promise.all(net.hosts.map((ns, i) => cli(ns, ['status', '--data', data[i]])))
      return s.every((x) => x.writable === true) ? true : null
    })
    const write = async (round: string): Promise<void> => {
      await Promise.all(net.hosts.map(async (ns, i) => {
        for (let j = 0; j < 3; j++) await cli(ns, ['append', 'note', JSON.stringify({ round, host: i + 1, j }), '--data', data[i]])
      }))
    }
    await write('connected')
    let states = await poll('convergence', () => converged(net.hosts, data, 9))
    t.is(states[0].notes.length, 9, 'all converge on 9 notes')
    t.comment(`converged after ${Date.now() - started} ms`)

    net.link(2, false)
    await write('partitioned')
    const cut = await Promise.all(net.hosts.map((ns, i) => state(ns, data[i])))
    t.ok(cut[2].notes.length < 18 && cut[0].notes.length < 18, 'the cut host and the others hold different views')
    net.link(2, true)
    const healed = Date.now()
    states = await poll('convergence after the link is back', () => converged(net.hosts, data, 18), 30_000)
    t.is(states[0].notes.length, 18, 'all converge on 18 notes, one view')
    t.comment(`converged ${Date.now() - healed} ms after the link came back; ${Date.now() - started} ms in all`)
  }))

  test('netns: an own bootstrap node instead of LAN discovery', { timeout: 60_000 }, guarded(async (t, logs) => {
    const started = Date.now()
    const net = network(t, 3, 'b')
    const { data, key, devices } = await prepare(t, 3)
    const boot = `${net.addresses[0]}:${BOOTSTRAP_PORT}`
    const node = await start(t, logs, net.hosts[0], ['bootstrap', '--host', net.addresses[0], '--port', String(BOOTSTRAP_PORT)], (line) => line.includes(boot), 0.5) // stops after the daemons, which leave the DHT through it
    t.ok(node.lines[0].includes(boot), `bootstrap node prints its address: ${node.lines[0]}`)
    await Promise.all(net.hosts.map((ns, i) => start(t, logs, ns, ['daemon', '--data', data[i], '--port', '0', '--no-lan', '--bootstrap', boot, '--ack-interval', '100', '--durability', 'relaxed', '--log-level', 'debug', ...(i === 0 ? [] : ['--key', key])], daemonReady)))

    const peers = await poll('DHT peers', async () => {
      const all = await Promise.all(net.hosts.map((ns, i) => cli(ns, ['peers', '--data', data[i]])))
      return all.every((p) => p.peers.length >= 2) ? all : null
    }, 30_000)
    t.ok(peers.every((p) => p.peers.every((x: { via: string }) => x.via === 'dht')), 'every host has the other two, via dht')
    t.comment(`full DHT mesh after ${Date.now() - started} ms`)

    for (const device of devices.slice(1)) await cli(net.hosts[0], ['add-member', device, '--data', data[0]])
    await Promise.all(net.hosts.map(async (ns, i) => {
      await poll('writable', async () => (await cli(ns, ['status', '--data', data[i]])).writable === true ? true : null)
      await cli(ns, ['append', 'note', JSON.stringify({ host: i + 1 }), '--data', data[i]])
    }))
    const states = await poll('convergence', () => converged(net.hosts, data, 3))
    t.is(states[0].notes.length, 3, 'all converge on 3 notes')
    t.comment(`converged after ${Date.now() - started} ms`)
  }))
}
