/**
 * A fleet: N devices each write single entries (one awaited append at a time) while offline, then
 * all meet one gateway (the only indexer) at once; the gateway merges their logs. Then a fresh
 * device syncs the merged ledger from the gateway. Swept over N = 1, 4, 16, 64 with the same
 * total of entries, against a raw Autobase + Hyperbee doing the same work (one put per entry).
 *
 * Each part runs in its own process so the gateway's memory is its own: the fleet is written by
 * one process and served by another (plain Corestores over loopback TCP, so the writers only
 * serve their logs and the gateway is the only device applying); the gateway merges in a third,
 * a fresh one per N, so its RSS holds no earlier sweep's leftovers.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import net from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import Autobase from 'autobase'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { Ledger, decodeKey, normalizeKey } from '../src/index.js'
import { pipeReplicas } from '../src/audit/pipe.js'
import { alive, entryBuffer, entryInput, now, peakRss, rawKey, removeDir, rssAfterGc, tempDir, type Metrics, type Scenario, type Side } from './util.js'

/** Writers per sweep step (`FLEET_SWEEP=16,64` to run some). */
const SWEEP = (process.env.FLEET_SWEEP ?? '1,4,16,64').split(',').map(Number)

/**
 * Node flags of the gateway's process (`FLEET_GATEWAY_FLAGS='--max-old-space-size=256'`), e.g.
 * the systemd unit's, to see a merge under the heap a deployed daemon gets.
 */
const GATEWAY_FLAGS = (process.env.FLEET_GATEWAY_FLAGS ?? '').split(' ').filter((f) => f !== '')

/** Longest one merge or sync may take, ms. */
const WAIT_MS = 20 * 60_000

/** How long the gateway idles after the merge before its RSS is read again, ms. */
const IDLE_MS = 15_000

/**
 * When, after the merge, the gateway's RSS is read once its catch-up has settled (ms): past the
 * replica's quiet time (catch-up-settle.ts, 1 s) and its memory-reducing GC.
 */
const SETTLED_MS = 3_000

/** What the prepare process leaves on disk and reports. */
interface Fleet {
  gateway: string
  writers: string[]
  /** Per writer: its device key (hex) and the number of blocks it wrote. */
  logs: Array<{ key: string, length: number }>
  ledgerKey: string
  encryptionKey: string | null
  /** ms the gateway spent admitting the writers one at a time (by key). */
  admitMs: number
}

/** Fleet merge and fresh sync, entries/s. */
export const fleet: Scenario = {
  name: 'fleet',
  figures: [
    ...SWEEP.map((n) => ({ label: `fleet merge at the gateway, N = ${n} writers (single-entry blocks)`, metric: `merge${n}`, unit: 'entries/s' })),
    { label: 'fleet merge, cost per entry at N = 64 / N = 1 (lower is better)', metric: 'costRatio', unit: 'x' },
    { label: 'fresh device syncing the N = 64 fleet history', metric: 'fresh', unit: 'entries/s' },
    { label: 'gateway admitting 64 writers by key, one at a time', metric: 'admitMs', unit: 'ms' },
    { label: 'gateway RSS after merging 64 writers', metric: 'gatewayMB', unit: 'MB' }
  ],
  async run (side, quick) {
    const total = quick ? 640 : 6400
    const metrics: Metrics = {}
    const notes: string[] = []
    const root = await tempDir(`fleet-${side}`)
    try {
      for (const n of SWEEP) {
        const dir = path.join(root, `n${n}`)
        const fleet = await helper<Fleet>(['prepare', side, dir, String(n), String(total / n)])
        const merged = await helper<Merged>(['merge', side, JSON.stringify(fleet)], ['--expose-gc', ...GATEWAY_FLAGS])
        metrics[`merge${n}`] = total / (merged.ms / 1000)
        notes.push(`N = ${n}: ${total / n} entries each, merged in ${merged.ms.toFixed(0)} ms (${(merged.ms / total).toFixed(3)} ms/entry, gateway CPU ${merged.cpuMs.toFixed(0)} ms)` +
          (n === 64 ? `, gateway RSS ${merged.rss.toFixed(0)} MB after, ${merged.settledRss.toFixed(0)} MB ${SETTLED_MS / 1000} s after, ${merged.idleRss.toFixed(0)} MB ${IDLE_MS / 1000} s after (peak ${merged.peak.toFixed(0)} MB); admitting 64 took ${fleet.admitMs.toFixed(0)} ms; fresh sync ${merged.freshMs.toFixed(0)} ms, ${merged.freshCpuMs.toFixed(0)} ms CPU (gateway and fresh device, one process)` : ''))
        if (n === 64) {
          metrics.fresh = total / (merged.freshMs / 1000)
          metrics.gatewayMB = merged.rss
          metrics.admitMs = fleet.admitMs
        }
        await removeDir(dir)
      }
      metrics.costRatio = metrics.merge1 / metrics.merge64
      return { metrics, notes }
    } finally {
      await removeDir(root)
    }
  }
}

/** What a merge process reports: merge time, the gateway's RSS after it (MB) and the fresh sync's time. */
interface Merged {
  ms: number
  /** CPU time (user + system) the gateway's process spent merging, ms: steadier than `ms` on a shared machine. */
  cpuMs: number
  rss: number
  /** RSS {@link SETTLED_MS} after the merge (MB). */
  settledRss: number
  /** RSS {@link IDLE_MS} after the merge, still connected (MB). */
  idleRss: number
  peak: number
  freshMs: number
  /** CPU time of the fresh sync: the gateway serving and the fresh device share this process. */
  freshCpuMs: number
}

/** The gateway merges the fleet served by another process; then a fresh device syncs from it. */
async function merge (side: Side, fleet: Fleet): Promise<Merged> {
  const server = fork(fileURLToPath(import.meta.url), ['serve', ...fleet.writers], { execArgv: [] })
  try {
    const [ports] = await once(server, 'message') as [number[]]
    const gateway = await openGateway(side, fleet, fleet.gateway)
    try {
      const sockets: net.Socket[] = []
      const cpu = process.cpuUsage()
      const start = now()
      for (const port of ports) {
        const socket = net.connect(port, '127.0.0.1')
        socket.setNoDelay(true)
        socket.on('error', () => {})
        const stream = gateway.replicate(true)
        socket.pipe(stream).pipe(socket)
        stream.on('error', () => {})
        sockets.push(socket)
      }
      await alive(gateway.holdsAll(), WAIT_MS, 'the gateway merging the fleet')
      const ms = now() - start
      const used = process.cpuUsage(cpu)
      const cpuMs = (used.user + used.system) / 1000
      const rss = await rssAfterGc()
      const peak = peakRss()
      await new Promise((resolve) => setTimeout(resolve, start + ms + SETTLED_MS - now()))
      const settledRss = await rssAfterGc()
      // Still connected, idle: V8 gives back the young generation the merge grew once it sees no
      // allocation for a while (its memory reducer), which no forced GC does.
      await new Promise((resolve) => setTimeout(resolve, start + ms + IDLE_MS - now()))
      const idleRss = await rssAfterGc()
      for (const s of sockets) s.destroy()
      const { ms: freshMs, cpuMs: freshCpuMs } = await freshSync(side, fleet, gateway)
      return { ms, cpuMs, rss, settledRss, idleRss, peak, freshMs, freshCpuMs }
    } finally {
      await gateway.close()
    }
  } finally {
    server.kill('SIGKILL')
  }
}

/** A fresh device (in this process, over an in-memory pipe) until it holds what the gateway holds. */
async function freshSync (side: Side, fleet: Fleet, gateway: Device): Promise<{ ms: number, cpuMs: number }> {
  const dir = `${fleet.gateway}-fresh`
  // Not hinted: the fresh device meets the gateway alone, an Autobase that announces its own
  // wakeups. Told of every writer's log, a fresh device (either side) fetched and began applying
  // all 64 logs before it learnt the signed length, and fast-forwarded only after that.
  const fresh = await openGateway(side, fleet, dir, false)
  const start = now()
  const cpu = process.cpuUsage()
  const unpipe = pipeReplicas(gateway, fresh)
  try {
    await alive(fresh.holdsAll(), WAIT_MS, 'a fresh device syncing the fleet')
    await alive(fresh.downloaded(), WAIT_MS, 'a fresh device downloading the view')
    const { user, system } = process.cpuUsage(cpu)
    return { ms: now() - start, cpuMs: (user + system) / 1000 }
  } finally {
    unpipe()
    await fresh.close()
    await removeDir(dir)
  }
}

/** What the merge needs of either side's device. */
interface Device {
  replicate (isInitiator: boolean): NodeJS.ReadWriteStream
  /** Resolves once the view holds every writer's last entry (so, by causality, all of them). */
  holdsAll (): Promise<void>
  /** Resolves once every view block is local (fast-forward skips fetching them). */
  downloaded (): Promise<void>
  close (): Promise<void>
}

/** `hint`: tell the device of the writers' logs, as their own Autobases would (see hintWriters). */
async function openGateway (side: Side, fleet: Fleet, storage: string, hint = true): Promise<Device> {
  return side === 'ours' ? await openOurs(fleet, storage, hint) : await openRaw(fleet, storage, hint)
}

async function openOurs (fleet: Fleet, storage: string, hint: boolean): Promise<Device> {
  const ledger = new Ledger({ storage, key: fleet.ledgerKey, encryptionKey: fleet.encryptionKey, swarm: false })
  await ledger.ready()
  const base = (ledger as unknown as { replica: { base: Autobase<Hyperbee> } }).replica.base
  const view = base.view
  // The same hint the raw side gets (see openRaw): what the writers' own Autobases would announce.
  if (hint) hintWriters(base, fleet)
  return {
    replicate: (i) => ledger.replicate(i),
    holdsAll: () => waitFor(ledger, fleet, async (key, seq) => (await ledger.get(`${normalizeKey(Buffer.from(key, 'hex'))}.${seq}.0`)) !== null),
    downloaded: async () => { await view.core.download({ start: 0, end: view.core.length }).done() },
    close: () => ledger.close()
  }
}


/**
 * Re-check on every update until each writer's last block is in the view. Each pass stops at the
 * first writer still missing: checking all 64 on every update cost ours (a `get` of an entry not
 * there yet, ~0.5 ms of CPU) several seconds of the gateway's merge, raw a fraction of that.
 */
async function waitFor (emitter: NodeJS.EventEmitter, fleet: Fleet, has: (key: string, seq: number) => Promise<boolean>): Promise<void> {
  const left = new Set(fleet.logs.map((l) => l.key))
  const lengths = new Map(fleet.logs.map((l) => [l.key, l.length]))
  let wake = (): void => {}
  const poke = (): void => wake()
  emitter.on('update', poke)
  try {
    while (left.size > 0) {
      const next = new Promise<void>((resolve) => { wake = resolve })
      for (const key of left) {
        if (!(await has(key, (lengths.get(key) as number) - 1))) break
        left.delete(key)
      }
      if (left.size > 0) await next
    }
  } finally {
    emitter.off('update', poke)
  }
}

/**
 * What each writer's own Autobase would announce on connecting (the wakeup protocol): the writers
 * here are plain Corestores, which announce nothing. Both sides get it.
 */
function hintWriters (base: Autobase<Hyperbee>, fleet: Fleet): void {
  base.hintWakeup(fleet.logs.map((l) => ({ key: Buffer.from(l.key, 'hex'), length: l.length })))
}

/** The raw baseline: a stock Autobase whose apply puts each value under (writer, seq) and adds writers. */
function rawBase (store: Corestore, key: Buffer | null, encryptionKey: Buffer | null): Autobase<Hyperbee> {
  return new Autobase<Hyperbee>(store, key, {
    valueEncoding: 'binary',
    encrypt: key === null,
    encryptionKey,
    ackInterval: 200,
    open: (viewStore) => new Hyperbee(viewStore.get('view'), { keyEncoding: 'binary', valueEncoding: 'binary' }),
    apply: async (nodes, view, host) => {
      const batch = view.batch({ update: false })
      for (const node of nodes) {
        if (node.value === null) continue
        if (node.value.length === 64 + 4 && node.value.subarray(0, 4).toString() === 'add:') {
          await host.addWriter(Buffer.from(node.value.subarray(4).toString(), 'hex'), { indexer: false })
          continue
        }
        await batch.put(rawKey(node.from.key, node.length - 1), node.value)
      }
      await batch.flush()
    },
    close: (view) => view.close()
  })
}

async function openRaw (fleet: Fleet, storage: string, hint: boolean): Promise<Device> {
  const store = new Corestore(storage)
  const base = rawBase(store, Buffer.from(fleet.ledgerKey, 'hex'), fleet.encryptionKey === null ? null : Buffer.from(fleet.encryptionKey, 'hex'))
  await base.ready()
  if (hint) hintWriters(base, fleet)
  return {
    replicate: (i) => base.replicate(i),
    holdsAll: () => waitFor(base, fleet, async (key, seq) => (await base.view.get(rawKey(Buffer.from(key, 'hex'), seq))) !== null),
    downloaded: async () => { await base.view.core.download({ start: 0, end: base.view.core.length }).done() },
    close: async () => {
      await base.close()
      await store.close()
    }
  }
}

// --- helper processes -------------------------------------------------------------------------

/** Run this file as a helper process with `args`; resolves with the one message it sends. */
async function helper<T> (args: string[], execArgv: string[] = []): Promise<T> {
  const proc: ChildProcess = fork(fileURLToPath(import.meta.url), args, { execArgv })
  // Listened for from the start: a helper exits right after its message, and an 'exit' missed
  // while awaiting the message left this process waiting on nothing (exit code 13). 'close', not
  // 'exit': on a loaded machine 'exit' came before the message still queued on the IPC channel
  // ("exited (0) without a result"); 'close' waits for the channel to be drained and shut.
  const exited = once(proc, 'close')
  const message = await Promise.race([
    once(proc, 'message').then(([m]) => m as { ok: true, value: T } | { ok: false, error: string }),
    exited.then(([code]) => { throw new Error(`helper ${args[0]} exited (${String(code)}) without a result`) })
  ])
  await exited
  if (!message.ok) throw new Error(message.error)
  return message.value
}

/** Write the fleet: a gateway admits N writers, who then each append `each` entries offline. */
async function prepare (side: Side, dir: string, n: number, each: number): Promise<Fleet> {
  const gatewayDir = path.join(dir, 'gateway')
  const writerDirs = Array.from({ length: n }, (_, i) => path.join(dir, `w${i}`))
  return side === 'ours' ? await prepareOurs(gatewayDir, writerDirs, each) : await prepareRaw(gatewayDir, writerDirs, each)
}

async function prepareOurs (gatewayDir: string, writerDirs: string[], each: number): Promise<Fleet> {
  const gateway = new Ledger({ storage: gatewayDir, swarm: false })
  await gateway.ready()
  const writers = writerDirs.map((storage) => new Ledger({ storage, key: gateway.key, encryptionKey: gateway.encryptionKey, swarm: false }))
  await Promise.all(writers.map((w) => w.ready()))
  // The gateway's own work of admitting them, timed before any of them is connected.
  const start = now()
  for (const w of writers) await gateway.addMember(w.deviceKey, { role: 'writer' })
  const admitMs = now() - start
  const unpipes = writers.map((w) => pipeReplicas(gateway, w))
  await Promise.all(writers.map((w) => waitUntil(w, () => w.writable)))
  for (const u of unpipes) u()
  await Promise.all(writers.map(async (w) => {
    for (let i = 0; i < each; i++) await w.append(entryInput)
  }))
  const logs = writers.map((w) => {
    const local = (w as unknown as { replica: { base: Autobase<Hyperbee> } }).replica.base.local
    return { key: local.key.toString('hex'), length: local.length }
  })
  const fleet: Fleet = {
    gateway: gatewayDir,
    writers: writerDirs,
    logs,
    ledgerKey: decodeKey(gateway.key).toString('hex'),
    encryptionKey: gateway.encryptionKey === null ? null : decodeKey(gateway.encryptionKey).toString('hex'),
    admitMs
  }
  await Promise.all(writers.map((w) => w.close()))
  await gateway.close()
  return fleet
}

async function prepareRaw (gatewayDir: string, writerDirs: string[], each: number): Promise<Fleet> {
  const gatewayStore = new Corestore(gatewayDir)
  const gateway = rawBase(gatewayStore, null, null)
  await gateway.ready()
  const stores = writerDirs.map((d) => new Corestore(d))
  const writers = stores.map((s) => rawBase(s, gateway.key, gateway.encryptionKey))
  await Promise.all(writers.map((w) => w.ready()))
  const start = now()
  for (const w of writers) await gateway.append(Buffer.from(`add:${w.local.key.toString('hex')}`))
  const admitMs = now() - start
  const unpipes = writers.map((w) => pipeReplicas(gateway, w))
  await Promise.all(writers.map(async (w) => {
    await waitUntil(w, () => w.writable)
    await fetchSigned(w)
  }))
  for (const u of unpipes) u()
  await Promise.all(writers.map(async (w) => {
    for (let i = 0; i < each; i++) await w.append(entryBuffer)
  }))
  const fleet: Fleet = {
    gateway: gatewayDir,
    writers: writerDirs,
    logs: writers.map((w) => ({ key: w.local.key.toString('hex'), length: w.local.length })),
    ledgerKey: gateway.key.toString('hex'),
    encryptionKey: gateway.encryptionKey?.toString('hex') ?? null,
    admitMs
  }
  for (const w of writers) await w.close()
  for (const s of stores) await s.close()
  await gateway.close()
  await gatewayStore.close()
  return fleet
}

/**
 * Re-check on every update or `writable`: a writer admitted by a fast-forward turns writable once
 * its view and system core are local (view-prefetch.ts), which can come after its last update.
 */
async function waitUntil (emitter: NodeJS.EventEmitter, check: () => boolean): Promise<void> {
  while (!check()) {
    const first = new AbortController()
    const { signal } = first
    // The other listener is removed when the first event comes (its promise rejects, handled by race).
    await Promise.race([once(emitter, 'update', { signal }), once(emitter, 'writable', { signal })]).finally(() => first.abort())
  }
}

/**
 * A raw writer fast-forwarded into the ledger reads the signed system core and view when it
 * appends: fetch them before it goes offline, as meshledger's view-prefetch.ts does for ours.
 */
async function fetchSigned (base: Autobase<Hyperbee>): Promise<void> {
  for (const core of [base.core, base.view.core]) await core.download({ start: 0, end: core.signedLength }).done()
}

/** Serve each writer folder as a plain Corestore on its own loopback port; send the ports. */
async function serve (dirs: string[]): Promise<void> {
  const ports: number[] = []
  for (const dir of dirs) {
    const store = new Corestore(dir)
    await store.ready()
    const server = net.createServer((socket) => {
      socket.setNoDelay(true)
      socket.on('error', () => {})
      const stream = store.replicate(false)
      stream.on('error', () => {})
      socket.pipe(stream).pipe(socket)
    })
    server.listen(0, '127.0.0.1')
    await once(server, 'listening')
    ports.push((server.address() as net.AddressInfo).port)
  }
  process.send?.(ports)
}

/** Hand a helper's outcome to the scenario process, then exit. */
function report<T> (work: Promise<T>): void {
  work.then(
    (value) => process.send?.({ ok: true, value }, () => process.exit(0)),
    (err: unknown) => process.send?.({ ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1))
  )
}

const role = process.argv[2]
if (role === 'prepare') {
  const [side, dir, n, each] = process.argv.slice(3)
  report(prepare(side as Side, dir, Number(n), Number(each)))
} else if (role === 'merge') {
  const [side, fleet] = process.argv.slice(3)
  report(merge(side as Side, JSON.parse(fleet) as Fleet))
} else if (role === 'serve') {
  await serve(process.argv.slice(3))
}
