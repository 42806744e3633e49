/**
 * Propagation over a real Hyperswarm on a loopback hyperdht testnet: append on device A until the
 * entry is readable in device B's view. The raw side does the same with a stock Autobase whose
 * Hyperbee view holds each value (the baseline of every figure), then, for reference, a bare
 * Hypercore append until the replica holds the block. A and B run in processes of their own, as
 * two devices would (propagation-peer.ts); B stamps each arrival on the machine's monotonic clock.
 * Waits are event-driven (B's `update`, the replica's `download`), never polled.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import Corestore from 'corestore'
import createTestnet from 'hyperdht/testnet.js'
import { Ledger } from '../src/index.js'
import { decodeKey } from '../src/keys.js'
import { formatId } from '../src/protocol/entry-id.js'
import { storageStats, type Bootstrap } from './admission-gateway.js'
import { joinSwarm, type Follows, type PeerOrder, type PeerReport, type PeerSetup } from './propagation-peer.js'
import {
  alive, entryBuffer, entryInput, mean, openRawBase, percentile, rawKey, removeDir, rssAfterGc, tempDir,
  type Scenario, type SideResult
} from './util.js'

/** Untimed round trips first: the first one includes discovery and connecting. */
const WARMUP = 5

/** Longest wait for one entry to arrive, ms. */
const WAIT_MS = 30_000

/** A→B propagation, ms. */
export const propagation: Scenario = {
  name: 'propagation',
  figures: [
    { label: 'A append → visible on B (swarm), p50', metric: 'p50Ms', unit: 'ms' },
    { label: 'A append → visible on B (swarm), p99', metric: 'p99Ms', unit: 'ms' }
  ],
  async run (side, quick) {
    const n = quick ? 50 : 200
    if (side === 'ours') return await measure('ours', n)
    const base = await measure('autobase', n)
    const core = await measure('core', n)
    const { p50Ms, p99Ms } = core.metrics
    return {
      metrics: { ...base.metrics, coreP50Ms: p50Ms, coreP99Ms: p99Ms },
      notes: [...base.notes, `bare Hypercore, same swarm setup: append until the replica holds the block p50 ${p50Ms.toFixed(2)} / p99 ${p99Ms.toFixed(2)} ms; ${core.notes.join('; ')}`]
    }
  }
}

/** Round trips of one kind of pair, on a testnet and in folders of their own. */
async function measure (kind: Follows, n: number): Promise<SideResult> {
  const testnet = await createTestnet(3)
  const dirA = await tempDir(`prop-${kind}-a`)
  const dirB = await tempDir(`prop-${kind}-b`)
  try {
    return await run(kind, dirA, dirB, testnet.bootstrap as Bootstrap, n)
  } finally {
    await testnet.destroy()
    await removeDir(dirA)
    await removeDir(dirB)
  }
}

/** What a timed round trip cost one device (each runs in its own process). */
interface Cost { cpuMs: number, readBatches: number, writeBatches: number }

/** Device A: what to append, and what B waits for to hold it. */
interface Appender { store: Corestore, expect: () => string | number, append: () => Promise<string | number>, close: () => Promise<void> }

function summary (samples: number[], appendMs: number[], connectMs: number, a: Cost, b: Cost, rss: number, rssB: number): SideResult {
  const n = samples.length
  const per = (c: Cost): string => `${(c.cpuMs / n).toFixed(1)} ms of CPU, ${(c.readBatches / n).toFixed(1)} RocksDB read and ${(c.writeBatches / n).toFixed(1)} write batches`
  return {
    metrics: { p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), meanMs: mean(samples), rssMB: rss, rssBMB: rssB },
    notes: [
      `first round trip (discovery + connect + sync) ${connectMs.toFixed(0)} ms; of each round trip, ` +
      `the append on A took p50 ${percentile(appendMs, 0.5).toFixed(2)} ms, mean ${mean(appendMs).toFixed(2)} ms; ` +
      `each round trip cost A ${per(a)}, B (its own process) ${per(b)}; RSS A ${rss.toFixed(0)} MB, B ${rssB.toFixed(0)} MB`
    ]
  }
}

function storeOf (ledger: Ledger): Corestore {
  return (ledger as unknown as { replica: { store: Corestore } }).replica.store
}

async function openOurs (dir: string, bootstrap: Bootstrap): Promise<{ appender: Appender, key: string, encryptionKey?: string }> {
  const a = new Ledger({ storage: dir, bootstrap, dhtHost: '127.0.0.1' })
  await a.ready()
  const writer = decodeKey(a.deviceKey)
  return {
    key: a.key,
    encryptionKey: a.encryptionKey ?? undefined,
    appender: {
      store: storeOf(a),
      // One single-entry block per append: the next entry is block `stored` of A's log, offset 0.
      expect: () => formatId(writer, a.stats.ownLog.stored, 0),
      append: async () => (await a.append(entryInput)).id,
      close: () => a.close()
    }
  }
}

async function openAutobase (dir: string, bootstrap: Bootstrap): Promise<{ appender: Appender, key: string, encryptionKey: string }> {
  const { base, store, close } = await openRawBase(dir)
  const swarm = await joinSwarm(bootstrap, base.discoveryKey, (conn) => base.replicate(conn))
  return {
    key: base.key.toString('hex'),
    encryptionKey: (base.encryptionKey as Buffer).toString('hex'),
    appender: {
      store,
      // One block per append: the next value is block `length` of A's log.
      expect: () => rawKey(base.local.key, base.local.length).toString('hex'),
      append: async () => {
        const at = base.local.length
        await base.append(entryBuffer)
        return rawKey(base.local.key, at).toString('hex')
      },
      close: async () => {
        await swarm.destroy()
        await close()
      }
    }
  }
}

async function openCore (dir: string, bootstrap: Bootstrap): Promise<{ appender: Appender, key: string }> {
  const store = new Corestore(dir)
  const core = store.get({ name: 'bench' })
  await core.ready()
  const swarm = await joinSwarm(bootstrap, core.discoveryKey, (conn) => store.replicate(conn))
  return {
    key: core.key.toString('hex'),
    appender: {
      store,
      expect: () => core.length,
      append: async () => (await core.append(entryBuffer)).length - 1,
      close: async () => {
        await swarm.destroy()
        await store.close()
      }
    }
  }
}

/** B's reports, one at a time, in order; B exiting fails the wait for the next. */
function reportsOf (proc: ChildProcess): () => Promise<PeerReport> {
  const queue: PeerReport[] = []
  let wake = (): void => {}
  proc.on('message', (m) => {
    queue.push(m as PeerReport)
    wake()
  })
  proc.on('exit', (code) => {
    queue.push({ error: `B exited with ${String(code)}` })
    wake()
  })
  return async () => {
    while (queue.length === 0) await new Promise<void>((resolve) => { wake = resolve })
    const report = queue.shift() as PeerReport
    if ('error' in report) throw new Error(`propagation B: ${report.error}`)
    return report
  }
}

const openers: Record<Follows, (dir: string, bootstrap: Bootstrap) => Promise<{ appender: Appender, key: string, encryptionKey?: string }>> = {
  ours: openOurs, autobase: openAutobase, core: openCore
}

async function run (kind: Follows, dirA: string, dirB: string, bootstrap: Bootstrap, n: number): Promise<SideResult> {
  const { appender, ...keys } = await openers[kind](dirA, bootstrap)
  const setup: PeerSetup = { follows: kind, dir: dirB, bootstrap, ...keys }
  const peer = fork(fileURLToPath(import.meta.url), ['peer', JSON.stringify(setup)], { execArgv: ['--expose-gc'] })
  const next = reportsOf(peer)
  const order = (o: PeerOrder & { timed?: boolean }): void => { peer.send(o) }
  try {
    await alive(next(), WAIT_MS, 'B ready')
    const samples: number[] = []
    const appendMs: number[] = []
    let connectMs = 0
    let cpu = process.cpuUsage()
    let before = storageStats(appender.store)
    for (let i = 0; i < WARMUP + n; i++) {
      if (i === WARMUP) {
        cpu = process.cpuUsage()
        before = storageStats(appender.store)
      }
      const expect = appender.expect()
      order({ expect, timed: i >= WARMUP })
      await alive(next(), WAIT_MS, 'B armed')
      const start = process.hrtime.bigint()
      const got = await appender.append()
      const appended = Number(process.hrtime.bigint() - start) / 1e6
      if (got !== expect) throw new Error(`propagation: appended ${got}, B waits for ${expect} (a block of A's own came between)`)
      const report = await alive(next(), WAIT_MS, `entry ${i} on B`)
      if (!('at' in report)) throw new Error(`propagation B: expected an arrival, got ${JSON.stringify(report)}`)
      const ms = Number(BigInt(report.at) - start) / 1e6
      if (i === 0) connectMs = ms
      if (i >= WARMUP) {
        samples.push(ms)
        appendMs.push(appended)
      }
    }
    const used = process.cpuUsage(cpu)
    const after = storageStats(appender.store)
    const a = { cpuMs: (used.user + used.system) / 1000, readBatches: after.readBatches - before.readBatches, writeBatches: after.writeBatches - before.writeBatches }
    order({ done: true })
    const b = await alive(next(), WAIT_MS, 'B\'s cost')
    if (!('cpuMs' in b)) throw new Error(`propagation B: expected its cost, got ${JSON.stringify(b)}`)
    return summary(samples, appendMs, connectMs, a, b, await rssAfterGc(), b.rssMB)
  } finally {
    peer.kill()
    await appender.close()
  }
}

if (process.argv[2] === 'peer') {
  const { runPeer } = await import('./propagation-peer.js')
  await runPeer(JSON.parse(process.argv[3]) as PeerSetup)
}
