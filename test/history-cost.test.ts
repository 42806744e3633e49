/**
 * Issue 13: the newest entries of a long history cost the read's edge, not the history. A burst
 * of 20k single-entry blocks puts every entry in one minute; a reverse `limit: 100` query, or a
 * `since` query near the end, must visit a bounded number of index segments and block records
 * (layout 1 visits all 20k: they all fall in its 60 s segment window).
 */
import test from 'brittle'
import { queryEntries, type QueryOptions } from '../src/view/query.js'
import { encodeKey } from '../src/keys.js'
import { appliedView, countingView, WRITERS, type AppliedView } from './helpers/apply-view.js'

const BASE = 1_700_000_000_000

async function run (applied: AppliedView, options: QueryOptions): Promise<{ ids: string[], segments: number, blocks: number }> {
  const counted = countingView(applied.bee)
  const ids: string[] = []
  for await (const e of queryEntries(counted.view, options)) ids.push(e.id)
  return { ids, segments: counted.segments(), blocks: counted.blocks() }
}

test('a burst of 20k single-entry blocks: newest 100 and a since read visit a bounded number of segments', async (t) => {
  const applied = await appliedView(t, 6)
  const n = 20_000
  for (let i = 0; i < n; i++) applied.append(1, [{ t: i % 2 === 0 ? 'a' : 'b', s: BASE + Math.floor(i / 20) }]) // 20 entries per ms
  await applied.flush()
  const w = encodeKey(WRITERS[1])
  const newest = Array.from({ length: 100 }, (_, i) => `${w}.${n - 1 - i}.0`) // seq 0 is the writer's first block
  for (const options of [{ reverse: true, limit: 100 }, { reverse: true, limit: 100, writer: w }, { reverse: true, limit: 50, type: 'a' }]) {
    const got = await run(applied, options)
    const expected = options.type === undefined ? newest.slice(0, options.limit) : newest.filter((_, i) => i % 2 === 1).slice(0, options.limit)
    t.is(got.ids.join(' '), expected.join(' '), `${JSON.stringify(options)}: the newest entries`)
    t.ok(got.segments < 400, `${JSON.stringify(options)}: ${got.segments} segments visited of ${n} in the burst (want < 400)`)
    t.ok(got.blocks <= options.limit + 5, `${JSON.stringify(options)}: ${got.blocks} block records read`)
  }
  const mid = await run(applied, { reverse: true, until: BASE + 500, limit: 100, type: 'b' }) // a bound mid-burst
  t.is(mid.ids[0], `${w}.${500 * 20 - 1}.0`)
  t.ok(mid.segments < 400, `reverse read from until mid-burst: ${mid.segments} segments visited`)
  const since = await run(applied, { since: BASE + 990, limit: 100 })
  t.is(since.ids.length, 100)
  t.is(since.ids[0], `${w}.${990 * 20}.0`)
  t.ok(since.segments < 400, `since read: ${since.segments} segments visited`)
})

test('many entries at one timestamp from interleaved writers: the newest 100 stay bounded', async (t) => {
  const applied = await appliedView(t, 6)
  const n = 10_000
  for (let i = 0; i < n; i++) applied.append(1 + (i % 2), [{ t: 'a', s: BASE }])
  await applied.flush()
  const got = await run(applied, { reverse: true, limit: 100 })
  // Ties break by z32 writer text: WRITERS[2] (0x35...) sorts after WRITERS[1] (0xf0...).
  const w = encodeKey(WRITERS[2])
  t.is(got.ids.join(' '), Array.from({ length: 100 }, (_, i) => `${w}.${n / 2 - 1 - i}.0`).join(' '))
  t.ok(got.segments < 400, `${got.segments} segments visited of ${n} in the burst (want < 400)`)
})

test('forward reads load the segments they return, not a preload of the range ahead', async (t) => {
  const applied = await appliedView(t, 6)
  const n = 20_000
  for (let i = 0; i < n; i++) applied.append(1, [{ t: i % 2 === 0 ? 'a' : 'b', s: BASE + Math.floor(i / 20) }])
  await applied.flush()
  const w = encodeKey(WRITERS[1])
  for (const options of [{ limit: 100 }, { limit: 50, type: 'a' }, { limit: 100, writer: w }, { since: BASE + 500, limit: 100 }]) {
    const before = applied.storageGets()
    const got = await run(applied, options)
    const gets = applied.storageGets() - before
    t.is(got.ids.length, options.limit, `${JSON.stringify(options)}: ${options.limit} entries`)
    // Hyperbee preloads up to 2,048 nodes ahead of a forward read given no limit: thousands of gets here.
    t.ok(gets < 600, `${JSON.stringify(options)}: ${gets} storage reads (want < 600)`)
  }
})

test('a query repeated on an unchanged view reads (almost) nothing from storage: snapshots share the view\'s caches', async (t) => {
  const applied = await appliedView(t, 6)
  for (let i = 0; i < 5_000; i++) applied.append(1 + (i % 2), [{ t: 'a', s: BASE + i * 7 }])
  await applied.flush()
  for (const options of [{ reverse: true, limit: 100 }, { limit: 100 }, { type: 'a', since: BASE + 20_000, limit: 100 }]) {
    const reads: number[] = []
    for (let r = 0; r < 2; r++) {
      const before = applied.storageGets()
      await run(applied, options)
      reads.push(applied.storageGets() - before)
    }
    // Rache evicts at random once the shared cache is full, so a few of the first read's blocks may be gone.
    t.ok(reads[0] > 10 && reads[1] <= reads[0] / 4, `${JSON.stringify(options)}: ${reads[0]} storage reads, then ${reads[1]}`)
  }
})
