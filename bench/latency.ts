/**
 * One awaited append: sequential `await ledger.append()` against sequential
 * `await base.append(value)` on a raw Autobase with a Hyperbee view.
 */
import { Ledger } from '../src/index.js'
import {
  entryBuffer, entryInput, mean, now, openRawBase, percentile, removeDir, rssAfterGc, tempDir,
  type Scenario
} from './util.js'

/** Untimed appends first, so both sides are measured warm. */
const WARMUP = 20

/** Latency of one awaited append, ms. */
export const latency: Scenario = {
  name: 'latency',
  figures: [
    { label: 'one awaited append, mean', metric: 'meanMs', unit: 'ms' },
    { label: 'one awaited append, p50', metric: 'p50Ms', unit: 'ms' },
    { label: 'one awaited append, p99', metric: 'p99Ms', unit: 'ms' }
  ],
  async run (side, quick) {
    const n = quick ? 200 : 1000
    const dir = await tempDir(`latency-${side}`)
    try {
      let append: () => Promise<unknown>
      let close: () => Promise<void>
      if (side === 'ours') {
        const ledger = new Ledger({ storage: dir, swarm: false })
        await ledger.ready()
        append = () => ledger.append(entryInput)
        close = () => ledger.close()
      } else {
        const raw = await openRawBase(dir)
        append = () => raw.base.append(entryBuffer)
        close = raw.close
      }
      for (let i = 0; i < WARMUP; i++) await append()
      const samples: number[] = []
      for (let i = 0; i < n; i++) {
        const start = now()
        await append()
        samples.push(now() - start)
      }
      const rss = await rssAfterGc()
      await close()
      return {
        metrics: { meanMs: mean(samples), p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99), rssMB: rss },
        notes: []
      }
    } finally {
      await removeDir(dir)
    }
  }
}
