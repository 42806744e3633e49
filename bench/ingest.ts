/**
 * Ingest: many concurrent single-entry `ledger.append()` callers (group commit packs them into
 * blocks) against a raw Autobase appending batches of 100 values.
 */
import { Ledger } from '../src/index.js'
import {
  concurrently, entryBuffer, entryInput, now, openRawBase, removeDir, rssAfterGc, tempDir,
  type Scenario, type SideResult
} from './util.js'

/** Appends in flight at once on the meshledger side. */
export const IN_FLIGHT = 256

/** Values per `base.append([...])` on the raw side. */
export const RAW_BATCH = 100

/** Ingest throughput, entries/s. */
export const ingest: Scenario = {
  name: 'ingest',
  figures: [
    { label: `ingest (${IN_FLIGHT} in flight vs raw batches of ${RAW_BATCH})`, metric: 'entriesPerSec', unit: 'entries/s' }
  ],
  async run (side, quick) {
    const n = quick ? 5000 : 20000
    const dir = await tempDir(`ingest-${side}`)
    try {
      return side === 'ours' ? await runOurs(dir, n) : await runRaw(dir, n)
    } finally {
      await removeDir(dir)
    }
  }
}

async function runOurs (dir: string, n: number): Promise<SideResult> {
  const ledger = new Ledger({ storage: dir, swarm: false })
  await ledger.ready()
  const start = now()
  await concurrently(n, IN_FLIGHT, () => ledger.append(entryInput))
  const ms = now() - start
  const { appended } = ledger.stats
  const rss = await rssAfterGc()
  await ledger.close()
  // The cost of durability: the same ingest with one WAL fsync per group commit.
  const durable = new Ledger({ storage: dir + '-durable', swarm: false, durable: true })
  await durable.ready()
  const dstart = now()
  await concurrently(n, IN_FLIGHT, () => durable.append(entryInput))
  const dms = now() - dstart
  await durable.close()
  await removeDir(dir + '-durable')
  return {
    metrics: { entriesPerSec: n / (ms / 1000), rssMB: rss },
    notes: [
      `${n} entries in ${appended.blocks} blocks (${(appended.entries / appended.blocks).toFixed(1)} entries/block), ${ms.toFixed(0)} ms`,
      `durable (fsync per group commit): ${(n / (dms / 1000)).toFixed(0)} entries/s, ${(100 * ms / dms).toFixed(0)}% of the relaxed rate`
    ]
  }
}

async function runRaw (dir: string, n: number): Promise<SideResult> {
  const { base, close } = await openRawBase(dir)
  const batch = Array.from({ length: RAW_BATCH }, () => entryBuffer)
  const start = now()
  for (let done = 0; done < n; done += RAW_BATCH) await base.append(batch.slice(0, Math.min(RAW_BATCH, n - done)))
  const ms = now() - start
  const viewLength = base.view.core.length
  const rss = await rssAfterGc()
  await close()
  return {
    metrics: { entriesPerSec: n / (ms / 1000), rssMB: rss },
    notes: [`${n} entries, view length ${viewLength}, ${ms.toFixed(0)} ms`]
  }
}
