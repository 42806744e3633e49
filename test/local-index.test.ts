/**
 * Protocol 7: the index segments of its blocks are not in the view but in each device's local
 * index (view/local-index.ts). The same blocks applied in the same order (reorders included: the
 * view truncated and applied again, as Autobase does when concurrent writers merge) under
 * protocol 6 and 7 must answer every query the same, entry for entry; the protocol-7 view holds no
 * segment at all.
 */
import test from 'brittle'
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { encodeBlock } from '../src/protocol/ops.js'
import { encodeKey } from '../src/keys.js'
import { LocalIndex } from '../src/view/local-index.js'
import { queryEntries, type QueryOptions } from '../src/view/query.js'
import { bareApply, WRITERS, type TestOp } from './helpers/apply-view.js'
import { tmp } from './helpers/index.js'
import { indexContents } from './helpers/internals.js'
import { rng } from './helpers/random.js'

const BASE = 1_700_000_000_000
const TYPES = ['a', 'b', 'telemetry.record']
const STREAMS = ['s1', 's2']

interface Side {
  bee: Hyperbee
  index: LocalIndex | null
  apply: (blocks: Block[]) => Promise<void>
}

interface Block { w: number, seq: number, ops: TestOp[] }

async function side (t: test.Test, protocol: number): Promise<Side> {
  const { bee, host, apply } = await bareApply(t, WRITERS[0])
  let index: LocalIndex | null = null
  if (protocol >= 7) {
    const local = new LocalIndex(await tmp(t), bee, (err) => t.fail(`local index: ${String(err)}`))
    await local.ready()
    local.start()
    t.teardown(() => local.close(), { order: -1 })
    index = local
  }
  return {
    bee,
    index,
    apply: async (blocks) => {
      const nodes = blocks.map(({ w, seq, ops }) => ({
        value: encodeBlock(ops.map((o) => ({ t: o.t, s: o.s, d: o.d ?? null }))).bytes, from: { key: WRITERS[w] }, length: seq + 1, indexed: false, heads: []
      }) as unknown as Autobase.Node)
      await apply(nodes, bee, host)
      index?.poke()
    }
  }
}

function genesis (protocol: number): Block {
  const ops: TestOp[] = WRITERS.map((k, i) => ({ t: 'member.add', s: BASE, d: { key: encodeKey(k), role: i === 0 ? 'indexer' : 'writer' } }))
  ops.push({ t: 'ledger.protocol', s: BASE, d: { version: protocol } })
  return { w: 0, seq: 0, ops }
}

/** Random blocks: 1-6 ops, timestamps from one ms wide to several minutes (split segments). */
function blocks (random: () => number, seqs: number[], w: number, n: number): Block[] {
  const out: Block[] = []
  for (let b = 0; b < n; b++) {
    const start = BASE + Math.floor(random() * 600_000)
    const spread = [0, 1, 10, 200, 3000, 150_000][Math.floor(random() * 6)]
    const ops: TestOp[] = []
    const count = 1 + Math.floor(random() * 6)
    for (let i = 0; i < count; i++) {
      const t = TYPES[Math.floor(random() * TYPES.length)]
      const s = start + Math.floor(random() * (spread + 1))
      ops.push(t === 'telemetry.record' ? { t, s, d: { stream: STREAMS[Math.floor(random() * 2)], value: i } } : { t, s, d: { i } })
    }
    if (random() < 0.1) ops.push({ t: 'rule.add', s: start, d: 7 }) // rejected: refused entries are in no segment
    out.push({ w, seq: seqs[w]++, ops })
  }
  return out
}

function randomQuery (random: () => number): QueryOptions {
  const q: QueryOptions = { reverse: random() < 0.5 }
  const pick = random()
  if (pick < 0.2) q.type = TYPES[Math.floor(random() * TYPES.length)]
  else if (pick < 0.4) q.writer = encodeKey(WRITERS[Math.floor(random() * WRITERS.length)])
  else if (pick < 0.55) q.stream = STREAMS[Math.floor(random() * 2)]
  if (random() < 0.5) q.since = BASE + Math.floor(random() * 700_000)
  if (random() < 0.5) q.until = (q.since ?? BASE) + Math.floor(random() * 400_000)
  if (random() < 0.4) q.limit = 1 + Math.floor(random() * 40)
  return q
}

async function answers (s: Side, q: QueryOptions): Promise<string[]> {
  const out: string[] = []
  // The genesis activations differ (6 and 7), nothing else may.
  for await (const e of queryEntries(s.bee, q, s.index)) out.push(`${e.id} ${e.type} ${e.timestamp} ${e.type === 'ledger.protocol' ? '' : JSON.stringify(e.data)}`)
  return out
}

/** Layout-2 segments in a view (the genesis block, applied before any activation, has layout-1 ones). */
async function segmentKeys (bee: Hyperbee): Promise<number> {
  let n = 0
  for await (const _ of bee.createReadStream({ gte: Buffer.from([0x08]), lt: Buffer.from([0x0c]) })) n++
  return n
}

test('protocol 6 and 7 answer every query the same, through reorders; the protocol-7 view holds no segment', async (t) => {
  const random = rng(7)
  const six = await side(t, 6)
  const seven = await side(t, 7)
  const both = async (list: Block[]): Promise<void> => { await six.apply(list); await seven.apply(list) }
  await six.apply([genesis(6)])
  await seven.apply([genesis(7)])
  const seqs = [1, 0, 0]
  let checked = 0
  for (let round = 0; round < 6; round++) {
    await both([0, 1, 2].flatMap((w) => blocks(random, seqs, w, 6)))
    // A reorder: writer 1's tentative blocks are undone (the view truncated) and applied again
    // after writer 2's concurrent ones, as a merge does.
    const lengths = [six.bee.core.length, seven.bee.core.length]
    const tentative = blocks(random, seqs, 1, 4)
    await both(tentative)
    if (round % 2 === 0) for (let i = 0; i < 4; i++) await answers(seven, randomQuery(random)) // queries between the apply and the truncation
    await six.bee.core.truncate(lengths[0])
    await seven.bee.core.truncate(lengths[1])
    await both(blocks(random, seqs, 2, 3))
    await both(tentative)
    for (let i = 0; i < 25; i++) {
      const q = randomQuery(random)
      const [x, y] = [await answers(six, q), await answers(seven, q)]
      if (x.join('\n') !== y.join('\n')) {
        t.alike(y, x, `round ${round}: ${JSON.stringify(q)}`)
        return
      }
      checked++
    }
  }
  t.pass(`${checked} queries answered alike`)
  const all = await answers(six, {})
  t.ok(all.length > 300, `${all.length} entries`)
  t.is(await segmentKeys(seven.bee), 0, 'no segment in the protocol-7 view')
  t.ok(await segmentKeys(six.bee) > 0, 'the protocol-6 view holds its segments')
  t.ok(seven.bee.core.length < six.bee.core.length / 2, `view blocks: protocol 7 ${seven.bee.core.length}, protocol 6 ${six.bee.core.length}`)
  t.ok((seven.index as LocalIndex).stats.dropped > 0, 'truncations dropped what was derived from the blocks cut off')
})

test('local index reopened on a view that was cut back and rewritten while it was closed: agrees on the common prefix, derives the rest', async (t) => {
  const random = rng(11)
  const seven = await side(t, 7)
  const folder = await tmp(t)
  await seven.apply([genesis(7)])
  const seqs = [1, 0, 0]
  const cut: number[] = []
  let index = new LocalIndex(folder, seven.bee, (err) => t.fail(String(err)))
  await index.ready()
  index.start()
  for (let i = 0; i < 5; i++) {
    await seven.apply(blocks(random, seqs, i % 3, 5))
    cut.push(seven.bee.core.length)
    await index.reader(seven.bee.core.length) // a checkpoint at each of these lengths
  }
  await seven.apply(blocks(random, seqs, 1, 5))
  await index.reader(seven.bee.core.length)
  const before = await indexContents(index, seven.bee.core.length)
  await index.close()
  // Closed (or killed): the view is truncated and written again; no truncate event reaches the index.
  await seven.bee.core.truncate(cut[2]) // undoes writer 0's last 5 blocks and writer 1's last 10
  seqs[0] -= 5
  seqs[1] -= 10
  await seven.apply(blocks(random, seqs, 2, 5))
  await seven.apply(blocks(random, seqs, 1, 5))
  index = new LocalIndex(folder, seven.bee, (err) => t.fail(String(err)))
  await index.ready()
  index.start()
  const fresh = new LocalIndex(await tmp(t), seven.bee, (err) => t.fail(String(err)))
  await fresh.ready()
  fresh.start()
  const after = await indexContents(index, seven.bee.core.length)
  t.not(after.join(), before.join(), 'the view says something else now')
  t.alike(after, await indexContents(fresh, seven.bee.core.length), 'the reopened index equals one derived afresh')
  t.ok(index.stats.dropped > 0, `${index.stats.dropped} segments derived from the rewritten blocks dropped`)
  await fresh.close()
  await index.close()
})

test('a query across a reorder answers one view (before it, cut back, or after it), never a mix; the index follows without failing', async (t) => {
  const random = rng(23)
  const seven = await side(t, 7)
  await seven.apply([genesis(7)])
  const seqs = [1, 0, 0]
  await seven.apply([0, 1, 2].flatMap((w) => blocks(random, seqs, w, 4)))
  const base = seven.bee.core.length
  const cut = (await answers(seven, {})).join('\n') // the view cut back, before the concurrent blocks
  // Writer 1's three blocks, tentative; in the indexed order writer 0 removed writer 1 after the
  // first, so the other two are refused. Only a query that paired the view before the reorder
  // with the index after it would answer the first block without the removal.
  const tentative = blocks(random, seqs, 1, 3)
  const removal: Block = { w: 0, seq: seqs[0]++, ops: [{ t: 'member.remove', s: BASE, d: { key: encodeKey(WRITERS[1]) } }] }
  const others = [tentative[0], removal, ...tentative.slice(1)]
  await seven.apply(tentative)
  const before = (await answers(seven, {})).join('\n')
  await seven.bee.core.truncate(base)
  await seven.apply(others)
  const after = (await answers(seven, {})).join('\n')
  t.not(before, after, 'the reorder changes the answer')
  const views = [before, cut, after]
  await seven.bee.core.truncate(base)

  let mixed = 0
  for (let round = 0; round < 8; round++) {
    // The tentative blocks again, the index not caught up yet: a query starts on this view, and
    // the reorder (cut back, the concurrent blocks applied instead) lands while it waits for the index.
    await seven.apply(tentative)
    const pending = answers(seven, {})
    await seven.bee.core.truncate(base)
    await seven.apply(others)
    if (!views.includes((await pending).join('\n'))) mixed++
    await seven.bee.core.truncate(base)
  }
  t.is(mixed, 0, 'the index followed every reorder; every answer is one of the views')

  // A device's index starts once its view is local: a query may come first, and a reorder too.
  const late = new LocalIndex(await tmp(t), seven.bee, (err) => t.fail(`late index: ${String(err)}`))
  await late.ready()
  t.teardown(() => late.close(), { order: -1 })
  await seven.apply(tentative)
  const waiting = answers({ ...seven, index: late }, {})
  await seven.bee.core.truncate(base)
  await seven.apply(others)
  late.start()
  t.ok(views.includes((await waiting).join('\n')), 'a query waiting for the index across a reorder answers one view')
})
