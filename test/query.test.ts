/**
 * Queries against brute force: blocks with random timestamps (some spanning minutes, so their
 * index segments split), from two writers, queried with random filters; the range reads must
 * return exactly the filtered entries in (timestamp, writer, seq, offset) order.
 */
import test from 'brittle'
import type { Ledger } from '../src/index.js'
import { group, until } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'

interface Known { id: string, writer: string, seq: number, offset: number, ts: number, type: string }

function rng (seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff
    return seed / 0x7fffffff
  }
}

test('query returns exactly the filtered entries in timestamp order', async (t) => {
  const [a, b] = await group(t, ['writer'])
  const random = rng(42)
  const known: Known[] = []
  const base = 1_700_000_000_000
  for (let block = 0; block < 24; block++) {
    const writer: Ledger = block % 2 === 0 ? a : b
    const n = 1 + Math.floor(random() * 12)
    const start = base + Math.floor(random() * 600_000)
    const wide = random() < 0.3 // spans up to 5 minutes: split into several segments
    const ops = Array.from({ length: n }, () => ({
      t: random() < 0.5 ? 'reading' : 'alert',
      s: start + Math.floor(random() * (wide ? 300_000 : 50))
    }))
    const seq = await appendOps(writer, ops.map((o) => ({ ...o, d: { s: o.s } })))
    ops.forEach((o, offset) => known.push({ id: `${writer.deviceKey}.${seq}.${offset}`, writer: writer.deviceKey, seq, offset, ts: o.s, type: o.t }))
  }
  const last = known[known.length - 1]
  await until([a], async () => (await a.get(last.id)) !== null && (await a.get(known[known.length - 2].id)) !== null)

  const order = (x: Known, y: Known): number => x.ts - y.ts || (x.writer < y.writer ? -1 : x.writer > y.writer ? 1 : 0) || x.seq - y.seq || x.offset - y.offset
  for (let q = 0; q < 40; q++) {
    const since = random() < 0.7 ? base + Math.floor(random() * 700_000) : undefined
    const untilTs = random() < 0.7 ? (since ?? base) + Math.floor(random() * 400_000) : undefined
    const type = random() < 0.4 ? 'reading' : undefined
    const writer = random() < 0.3 ? b.deviceKey : undefined
    const reverse = random() < 0.4
    const limit = random() < 0.3 ? 1 + Math.floor(random() * 10) : undefined
    let expected = known
      .filter((k) => (since === undefined || k.ts >= since) && (untilTs === undefined || k.ts < untilTs))
      .filter((k) => (type === undefined || k.type === type) && (writer === undefined || k.writer === writer))
      .sort(order)
    if (reverse) expected.reverse()
    if (limit !== undefined) expected = expected.slice(0, limit)
    const got: string[] = []
    // the membership ops that set the group up carry today's time: after every generated entry
    for await (const e of a.query({ since, until: untilTs ?? base + 10_000_000, type, writer, reverse, limit })) got.push(e.id)
    t.alike(got, expected.map((k) => k.id), `query ${JSON.stringify({ since, until: untilTs, type, writer: writer?.slice(0, 6), reverse, limit })}`)
  }
})
