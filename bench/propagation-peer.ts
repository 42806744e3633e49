/**
 * Device B of the propagation bench, in a process of its own as it would be on its own device:
 * it follows A's ledger (ours), A's stock Autobase or A's bare core (the raw side's two) on the
 * testnet, and for each round trip A arms it with what to wait for, then stamps the moment it
 * holds it on the machine's monotonic clock (`process.hrtime`, shared by every process on Linux),
 * so A's clock and B's compare.
 */
import { once } from 'node:events'
import Corestore from 'corestore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import type Hypercore from 'hypercore'
import { Ledger } from '../src/index.js'
import { storageStats, type Bootstrap } from './admission-gateway.js'
import { openRawBase, rssAfterGc, until } from './util.js'

/** What A runs and B follows: a ledger, a stock Autobase with a Hyperbee view, or a bare Hypercore. */
export type Follows = 'ours' | 'autobase' | 'core'

/** How B learns what it follows: the ledger's or base's keys, or the core's key, all z32 or hex. */
export interface PeerSetup { follows: Follows, dir: string, bootstrap: Bootstrap, key: string, encryptionKey?: string }

/** What A sends B: what to wait for next (an entry id, a view key in hex, a block index), or that it is over. */
export type PeerOrder = { expect: string | number } | { done: true }

/** What B sends A: ready, armed, held (at, in hrtime ns as a string), or its own cost at the end. */
export type PeerReport =
  | { ready: true }
  | { armed: true }
  | { at: string }
  | { cpuMs: number, readBatches: number, writeBatches: number, rssMB: number }
  | { error: string }

/**
 * A swarm on the testnet that hands every connection to `replicate`, joined on `topic` and
 * announced before it resolves (a peer that looks it up earlier only finds it at the next refresh).
 */
export async function joinSwarm (bootstrap: Bootstrap, topic: Buffer, replicate: (conn: NodeJS.ReadWriteStream) => void): Promise<Hyperswarm> {
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1' }) })
  swarm.on('connection', (conn) => {
    conn.on('error', () => {})
    replicate(conn)
  })
  await swarm.join(topic, { server: true, client: true }).flushed()
  return swarm
}

interface Follower { store: Corestore, holds: (expect: string | number) => Promise<void>, close: () => Promise<void> }

async function followLedger (setup: PeerSetup): Promise<Follower> {
  const b = new Ledger({ storage: setup.dir, key: setup.key, encryptionKey: setup.encryptionKey, bootstrap: setup.bootstrap, dhtHost: '127.0.0.1' })
  await b.ready()
  return {
    store: (b as unknown as { replica: { store: Corestore } }).replica.store,
    holds: async (id) => { await until(b, 'update', async () => (await b.get(String(id))) !== null) },
    close: () => b.close()
  }
}

async function followAutobase (setup: PeerSetup): Promise<Follower> {
  const { base, store, close } = await openRawBase(setup.dir, { key: Buffer.from(setup.key, 'hex'), encryptionKey: Buffer.from(setup.encryptionKey as string, 'hex') })
  const swarm = await joinSwarm(setup.bootstrap, base.discoveryKey, (conn) => base.replicate(conn))
  return {
    store,
    holds: async (key) => { await until(base, 'update', async () => (await base.view.get(Buffer.from(String(key), 'hex'))) !== null) },
    close: async () => {
      await swarm.destroy()
      await close()
    }
  }
}

async function followCore (setup: PeerSetup): Promise<Follower> {
  const store = new Corestore(setup.dir)
  const core: Hypercore = store.get({ key: Buffer.from(setup.key, 'hex') })
  await core.ready()
  core.download({ start: 0, end: -1 }) // live: fetch every block as soon as it is announced
  const swarm = await joinSwarm(setup.bootstrap, core.discoveryKey, (conn) => store.replicate(conn))
  return {
    store,
    holds: async (index) => { await until(core, 'download', () => core.has(Number(index))) },
    close: async () => {
      await swarm.destroy()
      await store.close()
    }
  }
}

/** Run B until A says it is done; report each arrival, then B's own CPU, batches and RSS. */
export async function runPeer (setup: PeerSetup): Promise<void> {
  const send = (report: PeerReport): void => { process.send?.(report) }
  try {
    const follower = await { ours: followLedger, autobase: followAutobase, core: followCore }[setup.follows](setup)
    send({ ready: true })
    let cpu = process.cpuUsage()
    let before = storageStats(follower.store)
    let timed = false
    while (true) {
      const [order] = await once(process, 'message') as [PeerOrder & { timed?: boolean }]
      if ('done' in order) break
      if (order.timed === true && !timed) { // A's timed round trips start: count from here
        timed = true
        cpu = process.cpuUsage()
        before = storageStats(follower.store)
      }
      const held = follower.holds(order.expect)
      send({ armed: true })
      await held
      send({ at: process.hrtime.bigint().toString() })
    }
    const used = process.cpuUsage(cpu)
    const after = storageStats(follower.store)
    const cost = { cpuMs: (used.user + used.system) / 1000, readBatches: after.readBatches - before.readBatches, writeBatches: after.writeBatches - before.writeBatches }
    await follower.close()
    process.send?.({ ...cost, rssMB: await rssAfterGc() }, () => process.exit(0))
  } catch (err) {
    process.send?.({ error: err instanceof Error ? err.stack ?? err.message : String(err) }, () => process.exit(1))
  }
}
