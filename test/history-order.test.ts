/**
 * Issue 13: queries over either view layout, or both (a ledger that activates protocol 6
 * midway), return exactly what a naive sort of every entry gives, in (ts, z32 writer, seq,
 * offset) order: random timestamps (bursts, equal timestamps, skewed clocks, out-of-order and
 * wide blocks), random filters, bounds, limits and directions.
 */
import test from 'brittle'
import type Hyperbee from 'hyperbee'
import { queryEntries, type QueryOptions } from '../src/view/query.js'
import { encodeKey } from '../src/keys.js'
import { idOfOrder, orderWriter } from '../src/protocol/view-layout.js'
import { appliedView, WRITERS, type AppliedView, type TestOp } from './helpers/apply-view.js'

const BASE = 1_700_000_000_000

/** What the code before layout 2 (commit 0878306) writes for these blocks (seed 7). */
const P4_VIEW_HASH = 'ce3ffd2ac5eee1466c16698abef4980ad82381ff2ce85dc940c2fa3b96837954'
const P4_SEGMENTS_MIDWAY = 1657

interface Known { id: string, writer: string, seq: number, offset: number, ts: number, type: string, stream?: string }

function rng (seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
}

/** Blocks of random shapes; `activate` runs once, after about half of them. */
function generate (applied: AppliedView, random: () => number, known: Known[], activate?: () => void): void {
  let cur = BASE
  const pick = <X>(xs: X[]): X => xs[Math.floor(random() * xs.length)]
  const op = (ts: number): TestOp => {
    const r = random()
    if (r < 0.4) return { t: 'a', s: ts }
    if (r < 0.7) return { t: 'b', s: ts }
    return { t: 'telemetry.record', s: ts, d: { stream: pick(['s1', 's2']), value: 1 } }
  }
  const block = (w: number, ops: TestOp[]): void => {
    const seq = applied.append(w, ops)
    const writer = encodeKey(WRITERS[w])
    ops.forEach((o, offset) => known.push({ id: `${writer}.${seq}.${offset}`, writer, seq, offset, ts: o.s, type: o.t, stream: (o.d as { stream?: string } | undefined)?.stream }))
  }
  const steps = 70
  for (let step = 0; step < steps; step++) {
    if (step === steps / 2) activate?.()
    const w = Math.floor(random() * WRITERS.length)
    const shape = random()
    if (shape < 0.3) { // a burst of single-entry blocks, a few per ms, from interleaved writers
      const k = 1 + Math.floor(random() * 40)
      for (let j = 0; j < k; j++) block(Math.floor(random() * WRITERS.length), [op(cur + Math.floor(j / 4))])
    } else if (shape < 0.45) { // one timestamp for a whole block
      block(w, Array.from({ length: 1 + Math.floor(random() * 30) }, () => op(cur)))
    } else if (shape < 0.6) { // narrow and mid-width blocks, some exactly as wide as their span class allows
      const width = pick([2, 15, 200, 3000, 16, 256, 4096, 60_000])
      const ops = Array.from({ length: Math.floor(random() * 20) }, () => op(cur + Math.floor(random() * width)))
      block(w, [op(cur), ...ops, op(cur + width - 1)])
      if (random() < 0.6) block((w + 1) % WRITERS.length, [op(cur + width - 1)]) // ties with the block's last entry
    } else if (shape < 0.75) { // wide: minutes either side, so it splits and reaches back in time
      block(w, Array.from({ length: 1 + Math.floor(random() * 20) }, () => op(cur - 100_000 + Math.floor(random() * 250_000))))
    } else if (shape < 0.85) { // a skewed clock
      block(w, Array.from({ length: 1 + Math.floor(random() * 5) }, () => op(cur + (random() < 0.5 ? -1 : 1) * 3_600_000 + Math.floor(random() * 10))))
    } else { // a few at exactly the timestamps already used
      block(w, [op(cur), op(cur), op(cur + 1), op(cur + pick([16, 256, 4096, 60_000]) - 1)])
    }
    cur += random() < 0.15 ? -Math.floor(random() * 5000) : Math.floor(random() * 2000) // sometimes back in time
  }
}

const order = (x: Known, y: Known): number => x.ts - y.ts || (x.writer < y.writer ? -1 : x.writer > y.writer ? 1 : 0) || x.seq - y.seq || x.offset - y.offset

async function check (t: test.Test, bee: Hyperbee, known: Known[], random: () => number, queries: number): Promise<void> {
  const all: string[] = []
  for await (const e of queryEntries(bee, {})) all.push(e.id)
  t.is(all.join(' '), [...known].sort(order).map((k) => k.id).join(' '), 'every entry, in order')
  const tss = known.map((k) => k.ts)
  let failures = 0
  for (let q = 0; q < queries; q++) {
    const options: QueryOptions = { reverse: random() < 0.5 }
    const filter = random()
    if (filter < 0.2) options.type = random() < 0.5 ? 'a' : 'telemetry.record'
    else if (filter < 0.35) options.stream = random() < 0.5 ? 's1' : 's2'
    else if (filter < 0.5) options.writer = encodeKey(WRITERS[Math.floor(random() * WRITERS.length)])
    if (filter > 0.9) options.type = 'b' // with another index's filter
    if (random() < 0.4) options.since = tss[Math.floor(random() * tss.length)] + Math.floor(random() * 3) - 1
    if (random() < 0.4) options.until = (options.since ?? tss[Math.floor(random() * tss.length)]) + Math.floor(random() * (random() < 0.5 ? 50 : 200_000))
    if (random() < 0.7) options.limit = 1 + Math.floor(random() * 120)
    let expected = known
      .filter((k) => (options.since === undefined || k.ts >= options.since) && (options.until === undefined || k.ts < options.until))
      .filter((k) => (options.type === undefined || k.type === options.type) && (options.stream === undefined || k.stream === options.stream))
      .filter((k) => options.writer === undefined || k.writer === options.writer)
      .sort(order)
    if (options.reverse === true) expected.reverse()
    if (options.limit !== undefined) expected = expected.slice(0, options.limit)
    const got: string[] = []
    for await (const e of queryEntries(bee, options)) got.push(e.id)
    if (got.join(' ') !== expected.map((k) => k.id).join(' ')) {
      failures++
      if (failures <= 3) t.fail(`query ${JSON.stringify({ ...options, writer: options.writer?.slice(0, 6) })}: got ${got.length} entries, expected ${expected.length}`)
    }
  }
  t.is(failures, 0, `${queries} random queries equal a naive sort`)
}

for (const [name, protocol, midway] of [['a protocol-6 ledger', 6, false], ['a protocol-4 ledger activated to 6 midway', 4, true], ['a protocol-4 ledger', 4, false]] as const) {
  test(`queries on ${name} equal a naive sort`, async (t) => {
    for (const seed of [7]) {
      const applied = await appliedView(t, protocol, BASE - 86_400_000)
      const random = rng(seed)
      const known: Known[] = []
      generate(applied, random, known, midway ? () => applied.append(0, [{ t: 'ledger.protocol', s: BASE - 86_400_000, d: { version: 6 } }]) : undefined)
      await applied.flush()
      // The genesis ops and the activation are entries too; take them from the view itself.
      for await (const e of queryEntries(applied.bee, { until: BASE - 86_400_000 + 1 })) {
        const [writer, seq, offset] = e.id.split('.')
        known.push({ id: e.id, writer, seq: Number(seq), offset: Number(offset), ts: e.timestamp, type: e.type })
      }
      const layouts = await layoutCounts(applied.bee)
      if (protocol === 6) t.is(layouts.old, layoutsOfGenesis(), 'only the genesis block is in layout 1')
      if (protocol === 4 && !midway) t.is(layouts.v2, 0, 'a protocol-4 ledger writes layout 1 only')
      if (midway) t.ok(layouts.old > 10 && layouts.v2 > 10, `both layouts: ${layouts.old} + ${layouts.v2} segments`)
      if (midway) t.is(layouts.old + layouts.v2, P4_SEGMENTS_MIDWAY, 'as many segment puts as layout 1 alone makes for these blocks')
      await check(t, applied.bee, known, random, 60)
      // Computed by the code before layout 2 (commit 0878306) from the same blocks: byte for byte.
      if (protocol === 4 && !midway) t.is((await applied.bee.core.treeHash()).toString('hex'), P4_VIEW_HASH, 'a protocol-4 view is unchanged')
    }
  })
}

function layoutsOfGenesis (): number {
  return 4 // time, writer, type member.add, type ledger.protocol
}

async function layoutCounts (bee: Hyperbee): Promise<{ old: number, v2: number }> {
  let old = 0
  let v2 = 0
  for await (const node of bee.createReadStream({ gte: Buffer.from([0x02]), lt: Buffer.from([0x0c]) })) {
    const p = node.key[0]
    if (p === 0x02 || p === 0x03 || p === 0x04 || p === 0x07) old++
    else if (p >= 0x08) v2++
  }
  return { old, v2 }
}

test('order writer: byte order is z32 text order, and it decodes back', (t) => {
  const random = rng(99)
  const keys = Array.from({ length: 200 }, () => Buffer.from(Array.from({ length: 32 }, () => Math.floor(random() * 256))))
  let wrong = 0
  for (let i = 1; i < keys.length; i++) {
    const [a, b] = [keys[i - 1], keys[i]]
    const text = Math.sign(encodeKey(a) < encodeKey(b) ? -1 : encodeKey(a) > encodeKey(b) ? 1 : 0)
    if (Math.sign(Buffer.compare(orderWriter(a), orderWriter(b))) !== text) wrong++
    if (idOfOrder(orderWriter(a)) !== encodeKey(a)) wrong++
  }
  t.is(wrong, 0)
})
