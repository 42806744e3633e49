/**
 * Memory and disk: a process that only ingests a large ledger, then reports its RSS (after GC,
 * ledger still open), its peak RSS, and the bytes on disk per entry once closed.
 */
import { Ledger } from '../src/index.js'
import {
  concurrently, diskUsage, entryBuffer, entryInput, openRawBase, peakRss, removeDir, rssAfterGc, tempDir,
  type Scenario
} from './util.js'
import { IN_FLIGHT, RAW_BATCH } from './ingest.js'

/** RSS and disk use after a large ingest. */
export const memory: Scenario = {
  name: 'memory',
  figures: [
    { label: 'RSS after ingest, after gc (target < 160 MB)', metric: 'rssMB', unit: 'MB' },
    { label: 'peak RSS during ingest', metric: 'peakMB', unit: 'MB' },
    { label: 'bytes on disk per entry', metric: 'diskBytesPerEntry', unit: 'B' }
  ],
  async run (side, quick) {
    const n = quick ? 5000 : 100_000
    const dir = await tempDir(`memory-${side}`)
    try {
      let rss: number
      if (side === 'ours') {
        const ledger = new Ledger({ storage: dir, swarm: false })
        await ledger.ready()
        await concurrently(n, IN_FLIGHT, () => ledger.append(entryInput))
        rss = await rssAfterGc()
        await ledger.close()
      } else {
        const { base, close } = await openRawBase(dir)
        const batch = Array.from({ length: RAW_BATCH }, () => entryBuffer)
        for (let done = 0; done < n; done += RAW_BATCH) await base.append(batch.slice(0, Math.min(RAW_BATCH, n - done)))
        rss = await rssAfterGc()
        await close()
      }
      const disk = await diskUsage(dir)
      return {
        metrics: { rssMB: rss, peakMB: peakRss(), diskBytesPerEntry: disk / n },
        notes: [`${n} entries, ${(disk / 1e6).toFixed(1)} MB on disk`]
      }
    } finally {
      await removeDir(dir)
    }
  }
}
