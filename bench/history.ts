/**
 * History scale (issue 13): a ledger ingests a burst of entries (every timestamp within a few
 * minutes: the worst case for a time-windowed index), is closed and reopened, then asked for the
 * newest 100, the way every dashboard and `meshledger query --reverse` asks. The raw baseline does
 * the same work on a bare Hyperbee with one key per entry in timestamp order.
 */
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { Ledger } from '../src/index.js'
import { concurrently, entryBuffer, entryInput, now, peakRss, removeDir, rssAfterGc, tempDir, type Scenario, type SideResult } from './util.js'
import { IN_FLIGHT } from './ingest.js'

/** Times each read is repeated; the median is reported (the first, cold read too). */
const RUNS = 5

/** The newest 100 after a burst, and what it costs. */
export const history: Scenario = {
  name: 'history',
  figures: [
    { label: 'newest 100, reverse, type index, cold after reopen (target < 20 ms)', metric: 'coldMs', unit: 'ms' },
    { label: 'newest 100, reverse, type index, median', metric: 'reverseMs', unit: 'ms' },
    { label: 'newest 100, reverse, type index, CPU time, median', metric: 'reverseCpuMs', unit: 'ms' },
    { label: 'newest 100, reverse, time index, median', metric: 'timeMs', unit: 'ms' },
    { label: 'newest 100, reverse, writer index, median', metric: 'writerMs', unit: 'ms' },
    { label: 'oldest 100, forward, type index, median', metric: 'oldestMs', unit: 'ms' },
    { label: '100 from `since` 1 s before the end, forward, median', metric: 'sinceMs', unit: 'ms' },
    { label: 'extra RSS of the reads (target < 10 MB)', metric: 'queryExtraMB', unit: 'MB' },
    { label: 'RSS after ingest, after gc (target < 200 MB)', metric: 'ingestRssMB', unit: 'MB' },
    { label: 'reopen (ready)', metric: 'reopenMs', unit: 'ms' }
  ],
  async run (side, quick) {
    const n = quick ? 100_000 : 1_000_000
    const dir = await tempDir(`history-${side}`)
    try {
      return side === 'ours' ? await runOurs(dir, n) : await runRaw(dir, n)
    } finally {
      await removeDir(dir)
    }
  }
}

async function runOurs (dir: string, n: number): Promise<SideResult> {
  const first = new Ledger({ storage: dir, swarm: false })
  await first.ready()
  const start = now()
  await concurrently(n, IN_FLIGHT, () => first.append(entryInput))
  const ingestMs = now() - start
  const ingestRssMB = await rssAfterGc()
  const { appended } = first.stats
  await first.close()

  const reopenStart = now()
  const ledger = new Ledger({ storage: dir, swarm: false })
  await ledger.ready()
  const reopenMs = now() - reopenStart
  const reads = await measure(async (q) => {
    let count = 0
    for await (const _ of ledger.query(q)) count++
    return count
  }, async () => {
    for await (const e of ledger.query({ reverse: true, limit: 1 })) return { ts: e.timestamp, writer: e.writer }
    throw new Error('an empty ledger')
  })
  await ledger.close()
  return {
    metrics: { ...reads, ingestRssMB, reopenMs },
    notes: [`${n} entries in ${appended.blocks} blocks, ingested in ${(ingestMs / 1000).toFixed(1)} s (${(n / (ingestMs / 1000)).toFixed(0)}/s)`, `peak RSS during the run ${peakRss().toFixed(0)} MB`]
  }
}

async function runRaw (dir: string, n: number): Promise<SideResult> {
  const open = async (): Promise<{ bee: Hyperbee, store: Corestore }> => {
    const store = new Corestore(dir)
    const bee = new Hyperbee(store.get({ name: 'view' }), { keyEncoding: 'binary', valueEncoding: 'binary' })
    await bee.ready()
    return { bee, store }
  }
  const first = await open()
  const origin = Date.now()
  for (let i = 0; i < n; i += 1000) {
    const batch = first.bee.batch()
    for (let j = i; j < Math.min(n, i + 1000); j++) await batch.put(tsKey(origin + Math.floor(j / 20), j), entryBuffer)
    await batch.flush()
  }
  const ingestRssMB = await rssAfterGc()
  await first.bee.close()
  await first.store.close()

  const reopenStart = now()
  const { bee, store } = await open()
  const reopenMs = now() - reopenStart
  const reads = await measure(async (q) => {
    let count = 0
    const range = q.since === undefined ? { reverse: q.reverse, limit: q.limit } : { gte: tsKey(q.since, 0), limit: q.limit }
    for await (const _ of bee.createReadStream(range)) count++
    return count
  }, async () => ({ ts: origin + Math.floor((n - 1) / 20) }))
  await bee.close()
  await store.close()
  return { metrics: { ...reads, ingestRssMB, reopenMs }, notes: [`${n} keys in timestamp order, 20 per ms`] }
}

/** A read; the raw side has one index, so it reads every one of them as its single range. */
interface Read { type?: string, writer?: string, reverse?: boolean, since?: number, limit: number }

/** Time the reads; each must return 100 entries. */
async function measure (read: (q: Read) => Promise<number>, newest: () => Promise<{ ts: number, writer?: string }>): Promise<Record<string, number>> {
  // CPU time beside wall time: on a shared machine the wall time also counts other processes.
  let cpuMs = 0
  const check = async (q: Read): Promise<number> => {
    const t0 = now()
    const c0 = process.cpuUsage()
    const count = await read(q)
    const ms = now() - t0
    const cpu = process.cpuUsage(c0)
    cpuMs = (cpu.user + cpu.system) / 1000
    if (count !== q.limit) throw new Error(`${JSON.stringify(q)} returned ${count} entries`)
    return ms
  }
  const median = async (q: Read): Promise<number> => {
    const samples: number[] = []
    const cpu: number[] = []
    for (let i = 0; i < RUNS; i++) {
      samples.push(await check(q))
      cpu.push(cpuMs)
    }
    lastCpuMs = cpu.sort((a, b) => a - b)[Math.floor(RUNS / 2)]
    return samples.sort((a, b) => a - b)[Math.floor(RUNS / 2)]
  }
  let lastCpuMs = 0
  const before = await rssAfterGc()
  const coldMs = await check({ type: 'bench', reverse: true, limit: 100 })
  const reverseMs = await median({ type: 'bench', reverse: true, limit: 100 })
  const reverseCpuMs = lastCpuMs
  const timeMs = await median({ reverse: true, limit: 100 })
  const last = await newest()
  const writerMs = await median({ writer: last.writer, reverse: true, limit: 100 })
  const oldestMs = await median({ type: 'bench', limit: 100 })
  const sinceMs = await median({ since: last.ts - 1000, limit: 100 })
  const queryExtraMB = Math.max(0, process.memoryUsage().rss / 1e6 - before)
  return { coldMs, reverseMs, reverseCpuMs, timeMs, writerMs, oldestMs, sinceMs, queryExtraMB }
}

function tsKey (ts: number, i: number): Buffer {
  const key = Buffer.allocUnsafe(12)
  key.writeBigUInt64BE(BigInt(ts), 0)
  key.writeUInt32BE(i, 8)
  return key
}
