/**
 * A fresh device syncing a large ledger, replicated in memory (a pipe, no network) on both sides:
 * meshledger B opening A's ledger until B's view holds every entry locally, against a fresh
 * Corestore downloading one Hypercore of the same number of 256-byte blocks.
 */
import type Autobase from 'autobase'
import Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import { Ledger } from '../src/index.js'
import { pipeReplicas } from '../src/audit/pipe.js'
import {
  alive, concurrently, entryBuffer, entryInput, now, removeDir, rssAfterGc, tempDir, until,
  type Scenario, type SideResult
} from './util.js'
import { IN_FLIGHT } from './ingest.js'

/** Longest a sync may take, ms. */
const WAIT_MS = 15 * 60_000

/** Blocks per append when the raw core is filled. */
const RAW_FILL_BATCH = 1000

/** Sync throughput of a fresh device, entries/s and MB/s. */
export const sync: Scenario = {
  name: 'sync',
  figures: [
    { label: 'fresh device sync (in-memory pipe)', metric: 'entriesPerSec', unit: 'entries/s' },
    { label: 'fresh device sync, bytes moved', metric: 'MBps', unit: 'MB/s' }
  ],
  async run (side, quick) {
    const n = quick ? 5000 : 100_000
    const dirA = await tempDir(`sync-${side}-a`)
    const dirB = await tempDir(`sync-${side}-b`)
    try {
      return side === 'ours' ? await runOurs(dirA, dirB, n) : await runRaw(dirA, dirB, n)
    } finally {
      await removeDir(dirA)
      await removeDir(dirB)
    }
  }
}

async function runOurs (dirA: string, dirB: string, n: number): Promise<SideResult> {
  const a = new Ledger({ storage: dirA, swarm: false })
  await a.ready()
  let b: Ledger | null = null
  let unpipe = (): void => {}
  try {
    await concurrently(n, IN_FLIGHT, () => a.append(entryInput))
    const length = a.length
    const hash = await a.hash()

    const start = now()
    b = new Ledger({ storage: dirB, key: a.key, encryptionKey: a.encryptionKey, swarm: false })
    await b.ready()
    unpipe = pipeReplicas(a, b)
    const peer = b
    await alive(until(peer, 'update', async () => peer.length >= length && await peer.hash() === hash), WAIT_MS, 'B view length and hash')
    const usableMs = now() - start
    // Fast-forward makes the view usable before its blocks are here: fetch them all.
    const view = (peer as unknown as { replica: { base: Autobase<Hyperbee> } }).replica.base.view
    await alive(view.core.download({ start: 0, end: length }).done(), WAIT_MS, 'B view blocks')
    const ms = now() - start

    // Block records (prefix 0x01) hold one group commit each: count the entries inside them.
    let entries = 0
    for await (const node of view.createReadStream({ gte: Buffer.from([0x01]), lt: Buffer.from([0x02]) })) {
      entries += (JSON.parse(node.value.toString()) as { o?: unknown[] }).o?.length ?? 1
    }
    const rss = await rssAfterGc()
    return {
      metrics: { entriesPerSec: n / (ms / 1000), MBps: view.core.byteLength / 1e6 / (ms / 1000), rssMB: rss },
      notes: [
        `view usable (length + hash equal) after ${usableMs.toFixed(0)} ms, all ${length} view blocks ` +
        `(${(view.core.byteLength / 1e6).toFixed(1)} MB) local after ${ms.toFixed(0)} ms; B holds ${entries} entries for ${n} appended (+1 genesis)`
      ]
    }
  } finally {
    unpipe()
    await b?.close()
    await a.close()
  }
}

async function runRaw (dirA: string, dirB: string, n: number): Promise<SideResult> {
  const storeA = new Corestore(dirA)
  let storeB: Corestore | null = null
  let unpipe = (): void => {}
  try {
    const coreA = storeA.get({ name: 'bench' })
    await coreA.ready()
    for (let done = 0; done < n; done += RAW_FILL_BATCH) {
      await coreA.append(Array.from({ length: Math.min(RAW_FILL_BATCH, n - done) }, () => entryBuffer))
    }

    const start = now()
    storeB = new Corestore(dirB)
    const coreB = storeB.get({ key: coreA.key })
    await coreB.ready()
    unpipe = pipeReplicas(storeA, storeB)
    await alive(coreB.download({ start: 0, end: n }).done(), WAIT_MS, 'raw download')
    const ms = now() - start
    if (coreB.contiguousLength !== n) throw new Error(`raw replica holds ${coreB.contiguousLength} of ${n} blocks`)
    const rss = await rssAfterGc()
    return {
      metrics: { entriesPerSec: n / (ms / 1000), MBps: coreB.byteLength / 1e6 / (ms / 1000), rssMB: rss },
      notes: [`${n} blocks (${(coreB.byteLength / 1e6).toFixed(1)} MB) in ${ms.toFixed(0)} ms`]
    }
  } finally {
    unpipe()
    await storeB?.close()
    await storeA.close()
  }
}
