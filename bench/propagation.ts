/**
 * Propagation over a real Hyperswarm on a loopback hyperdht testnet: append on device A until the
 * entry is readable in device B's view, against a raw Hypercore append until the replica holds
 * the block. Waits are event-driven (B's `update`, the replica's `download`), never polled.
 */
import Corestore from 'corestore'
import DHT from 'hyperdht'
import createTestnet from 'hyperdht/testnet.js'
import Hyperswarm from 'hyperswarm'
import { Ledger } from '../src/index.js'
import { storageStats } from './admission-gateway.js'
import {
  alive, entryBuffer, entryInput, mean, now, percentile, removeDir, rssAfterGc, tempDir, until,
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
    const testnet = await createTestnet(3)
    const dirA = await tempDir(`prop-${side}-a`)
    const dirB = await tempDir(`prop-${side}-b`)
    try {
      const bootstrap = testnet.bootstrap
      return side === 'ours' ? await runOurs(dirA, dirB, bootstrap, n) : await runRaw(dirA, dirB, bootstrap, n)
    } finally {
      await testnet.destroy()
      await removeDir(dirA)
      await removeDir(dirB)
    }
  }
}

type Bootstrap = Array<{ host: string, port: number }>

/** What a timed round trip cost, both devices together (they share this process and its thread). */
interface Cost { cpuMs: number, readBatches: number, writeBatches: number }

function summary (samples: number[], appendMs: number[], connectMs: number, cost: Cost, rss: number): SideResult {
  const n = samples.length
  return {
    metrics: { p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), meanMs: mean(samples), rssMB: rss },
    notes: [
      `first round trip (discovery + connect + sync) ${connectMs.toFixed(0)} ms; of each round trip, ` +
      `the append on A took p50 ${percentile(appendMs, 0.5).toFixed(2)} ms, mean ${mean(appendMs).toFixed(2)} ms; ` +
      `each round trip cost A and B together ${(cost.cpuMs / n).toFixed(1)} ms of CPU, ` +
      `${(cost.readBatches / n).toFixed(1)} RocksDB read batches and ${(cost.writeBatches / n).toFixed(1)} write batches`
    ]
  }
}

/** RocksDB batches of some stores so far, summed. */
function batches (stores: Corestore[]): { readBatches: number, writeBatches: number } {
  let readBatches = 0
  let writeBatches = 0
  for (const store of stores) {
    const s = storageStats(store)
    readBatches += s.readBatches
    writeBatches += s.writeBatches
  }
  return { readBatches, writeBatches }
}

function storeOf (ledger: Ledger): Corestore {
  return (ledger as unknown as { replica: { store: Corestore } }).replica.store
}

async function runOurs (dirA: string, dirB: string, bootstrap: Bootstrap, n: number): Promise<SideResult> {
  const net = { bootstrap, dhtHost: '127.0.0.1' }
  const a = new Ledger({ storage: dirA, ...net })
  await a.ready()
  const b = new Ledger({ storage: dirB, key: a.key, encryptionKey: a.encryptionKey, ...net })
  try {
    await b.ready()
    return await roundTrips(n, () => batches([storeOf(a), storeOf(b)]), async (i) => {
      const { id } = await a.append(entryInput)
      return async () => { await alive(until(b, 'update', async () => (await b.get(id)) !== null), WAIT_MS, `entry ${i} on B`) }
    })
  } finally {
    await b.close()
    await a.close()
  }
}

async function runRaw (dirA: string, dirB: string, bootstrap: Bootstrap, n: number): Promise<SideResult> {
  const storeA = new Corestore(dirA)
  const storeB = new Corestore(dirB)
  const swarms: Hyperswarm[] = []
  try {
    const coreA = storeA.get({ name: 'bench' })
    await coreA.ready()
    const coreB = storeB.get({ key: coreA.key })
    await coreB.ready()
    coreB.download({ start: 0, end: -1 }) // live: fetch every block as soon as it is announced
    for (const [store, core] of [[storeA, coreA], [storeB, coreB]] as const) {
      const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1' }) })
      swarm.on('connection', (conn) => {
        conn.on('error', () => {})
        store.replicate(conn)
      })
      swarms.push(swarm)
      // A must be announced before B looks it up, or B only finds it at the next refresh.
      await swarm.join(core.discoveryKey, { server: true, client: true }).flushed()
    }
    return await roundTrips(n, () => batches([storeA, storeB]), async (i) => {
      const { length } = await coreA.append(entryBuffer)
      return async () => { await alive(until(coreB, 'download', () => coreB.has(length - 1)), WAIT_MS, `block ${i} on B`) }
    })
  } finally {
    for (const swarm of swarms) await swarm.destroy()
    await storeB.close()
    await storeA.close()
  }
}

/**
 * Time `n` round trips after WARMUP untimed ones. `append(i)` appends on A and returns a function
 * that resolves once B has it; the append alone is timed too, and the timed ones' CPU time and
 * RocksDB batches (`io`) are counted.
 */
async function roundTrips (n: number, io: () => { readBatches: number, writeBatches: number }, append: (i: number) => Promise<() => Promise<void>>): Promise<SideResult> {
  const samples: number[] = []
  const appendMs: number[] = []
  let connectMs = 0
  let cpu = process.cpuUsage()
  let before = io()
  for (let i = 0; i < WARMUP + n; i++) {
    if (i === WARMUP) {
      cpu = process.cpuUsage()
      before = io()
    }
    const start = now()
    const arrived = await append(i)
    const appended = now() - start
    await arrived()
    const ms = now() - start
    if (i === 0) connectMs = ms
    if (i >= WARMUP) {
      samples.push(ms)
      appendMs.push(appended)
    }
  }
  const used = process.cpuUsage(cpu)
  const after = io()
  const cost = { cpuMs: (used.user + used.system) / 1000, readBatches: after.readBatches - before.readBatches, writeBatches: after.writeBatches - before.writeBatches }
  return summary(samples, appendMs, connectMs, cost, await rssAfterGc())
}
