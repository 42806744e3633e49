/**
 * The view's money records in both layouts. Protocol 4 (and 5) ledgers keep the first layout
 * exactly: every transfer writes both balances, its ref, and three copies of itself, in that
 * order, as it applies. Protocol 6 writes a node's balances once with their final values and its
 * transfers as segments. Both answer every history read the same way.
 */
import test from 'brittle'
import type brittle from 'brittle'
import type { Ledger, Transfer } from '../src/index.js'
import { create, group, until } from './helpers/index.js'
import { appendOps, viewOf } from './helpers/internals.js'
import { allTransfers, expected, moneyWrites } from './helpers/money.js'

const BALANCE = 0x10
const ACCOUNT_TRANSFER = 0x13
const TRANSFER = 0x14
const REF = 0x15

/** One block: two transfers, an overdraft, a duplicate ref, one more transfer. */
const BLOCK = [
  { t: 'transfer', s: 1000, d: { from: 'acct-a', to: 'acct-b', amount: 10 } },
  { t: 'transfer', s: 1001, d: { from: 'acct-a', to: 'acct-b', amount: 5, ref: 'r1', memo: 'm' } },
  { t: 'transfer', s: 1002, d: { from: 'acct-b', to: 'acct-a', amount: 999 } },
  { t: 'transfer', s: 1003, d: { from: 'acct-a', to: 'acct-b', amount: 1, ref: 'r1' } },
  { t: 'transfer', s: 1004, d: { from: 'acct-b', to: 'acct-a', amount: 3 } }
]

async function funded (t: brittle.Test, protocol: number): Promise<Ledger> {
  const a = await create(t, { protocol })
  for (const account of ['acct-a', 'acct-b']) await a.append({ type: 'account.open', data: { account, holders: [a.deviceKey] } })
  await a.mint('acct-a', 100)
  return a
}

/** Append BLOCK as one block and wait for it to apply; the view length before it, and its seq. */
async function applyBlock (a: Ledger): Promise<{ from: number, seq: number }> {
  const from = viewOf(a).version
  const seq = await appendOps(a, BLOCK)
  await until([a], async () => (await a.get(`${a.deviceKey}.${seq}.0`)) !== null)
  return { from, seq }
}

function json (value: Record<string, unknown>): string {
  return JSON.stringify(value)
}

test('protocol 4: every transfer writes balances, ref and three records at once, in the first layout', async (t) => {
  const a = await funded(t, 4)
  const { from, seq } = await applyBlock(a)
  const id = (offset: number): string => `${a.deviceKey}.${seq}.${offset}`
  const writes = (await moneyWrites(viewOf(a), from)).map((w) => [w.prefix, w.prefix === BALANCE ? w.key.subarray(2).toString() : '', w.value])
  const record = (offset: number, extra: Record<string, unknown> = {}): string => {
    const op = BLOCK[offset]
    return json({ id: id(offset), from: op.d.from, to: op.d.to, amount: op.d.amount, ts: op.s, ...extra })
  }
  const transfer = (offset: number, before: [number, number], extra?: Record<string, unknown>): unknown[] => {
    const op = BLOCK[offset]
    const r = record(offset, extra)
    return [
      [BALANCE, op.d.from, String(before[0] - op.d.amount)],
      [BALANCE, op.d.to, String(before[1] + op.d.amount)],
      ...(op.d.ref === undefined ? [] : [[REF, '', id(offset)]]),
      [TRANSFER, '', r], [ACCOUNT_TRANSFER, '', r], [ACCOUNT_TRANSFER, '', r]
    ]
  }
  t.alike(writes, [
    ...transfer(0, [100, 0]),
    ...transfer(1, [90, 10], { memo: 'm', ref: 'r1' }),
    ...transfer(4, [15, 85])
  ], 'the first layout, write for write')
  t.is(await a.balance('acct-a'), 88)
  t.is(await a.balance('acct-b'), 12)
})

test('protocol 6: a node writes each balance once and its transfers as segments; reads answer alike', async (t) => {
  const old = await funded(t, 4)
  const now = await funded(t, 6)
  await applyBlock(old)
  const { from } = await applyBlock(now)
  const writes = await moneyWrites(viewOf(now), from)
  t.alike(writes.filter((w) => w.prefix === BALANCE).map((w) => [w.key.subarray(2).toString(), w.value]), [['acct-a', '88'], ['acct-b', '12']], 'final balances, once each')
  t.is(writes.filter((w) => w.prefix === REF).length, 1, 'the ref, once: its duplicate in the same block was refused')
  t.is(writes.filter((w) => w.prefix === TRANSFER).length, 1, 'one segment for everyone')
  t.is(writes.filter((w) => w.prefix === ACCOUNT_TRANSFER).length, 2, 'one segment per account')
  t.ok(writes.filter((w) => w.prefix !== BALANCE && w.prefix !== REF).every((w) => w.value.startsWith('[')))
  const strip = (list: Transfer[], ledger: Ledger): unknown[] => list.map((x) => ({ ...x, id: x.id.replace(ledger.deviceKey, 'W').replace(/\.\d+\./, '.'), ts: x.from === null ? 'mint time' : x.ts }))
  for (const q of [{}, { reverse: true }, { limit: 2 }, { since: 1001 }, { until: 1003, reverse: true }, { account: 'acct-b' }, { account: 'acct-a', reverse: true, limit: 2 }]) {
    const x = strip(await list(old.transfers(q)), old)
    const y = strip(await list(now.transfers(q)), now)
    t.alike(y, x, `transfers(${JSON.stringify(q)}) as in the first layout`)
  }
  t.is(await now.balance('acct-a'), 88)
})

test('a ledger that activates protocol 6 later reads both layouts as one history', async (t) => {
  const a = await funded(t, 4)
  await applyBlock(a)
  await a.activateProtocol(6)
  const more = BLOCK.map((op, i) => ({ ...op, s: op.s + (i % 2 === 0 ? 2 : -2) })) // interleaves with the old records
  const seq = await appendOps(a, more)
  await until([a], async () => (await a.get(`${a.deviceKey}.${seq}.0`)) !== null)
  await a.transfer({ from: 'acct-a', to: 'acct-b', amount: 1 })
  // Times far apart in one block: several segments, each under TRANSFER_SEGMENT_SPAN ms.
  const spread = [0, 3, 9_999, 10_000, 10_001, 25_000, 19_999, 1_000_000, Number.MAX_SAFE_INTEGER, 1002]
  const before = viewOf(a).version
  const last = await appendOps(a, spread.map((s, i) => ({ t: 'transfer', s, d: i % 2 === 0 ? { from: 'acct-a', to: 'acct-b', amount: 1 } : { from: 'acct-b', to: 'acct-a', amount: 1 } })))
  await until([a], async () => (await a.get(`${a.deviceKey}.${last}.0`)) !== null)
  const segments = (await moneyWrites(viewOf(a), before)).filter((w) => w.prefix === TRANSFER).map((w) => (JSON.parse(w.value) as unknown[]).length)
  t.alike(segments, [4, 3, 1, 1, 1], 'split where a segment would span TRANSFER_SEGMENT_SPAN ms')
  for (const account of [undefined, 'acct-a', 'acct-b']) {
    const all = await allTransfers(a, account)
    t.ok(all.length >= 16, `${account ?? 'everyone'}: ${all.length} transfers`)
    const queries = [
      {}, { reverse: true }, { limit: 3 }, { reverse: true, limit: 4 }, { since: 1002 }, { since: 1001, until: 1004 }, { until: 1003, reverse: true },
      { since: 9_999 }, { since: 10_000 }, { until: 10_001 }, { since: 5_000, until: 20_000, reverse: true }, { since: 10_001, limit: 2 },
      { since: 30_000, reverse: true, limit: 3 }, { since: Number.MAX_SAFE_INTEGER }, { until: 1 }
    ]
    for (const q of queries) {
      t.alike(await list(a.transfers({ ...q, account })), expected(all, q), `${account ?? 'everyone'} ${JSON.stringify(q)}`)
    }
  }
})

async function list<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

for (const protocol of [4, 6]) {
  test(`held transfers released mid-block apply in order (protocol ${protocol})`, async (t) => {
    const [a, b] = await group(t, ['writer'], { protocol })
    await a.append({ type: 'account.open', data: { account: 'pool', holders: [a.deviceKey, b.deviceKey] } })
    await a.mint('pool', 100)
    await a.mint(b.deviceKey, 10)
    await a.quarantine(b.deviceKey, { reason: 'review' })
    await until([b], async () => (await b.members()).find((m) => m.key === b.deviceKey)?.quarantined !== undefined)
    // Held: spends 10 of b's own, then overdraws the pool (after a drains it below).
    const held = await appendOps(b, [
      { t: 'transfer', s: 2000, d: { from: b.deviceKey, to: 'pool', amount: 10 } },
      { t: 'transfer', s: 2001, d: { from: 'pool', to: b.deviceKey, amount: 60 } },
      { t: 'transfer', s: 2002, d: { from: 'pool', to: b.deviceKey, amount: 5, ref: 'x' } }
    ])
    await until([a], async () => (await a.get(`${b.deviceKey}.${held}.0`)) !== null)
    // One block: drain the pool, release b (its block applies here), then pay with the same ref.
    const seq = await appendOps(a, [
      { t: 'transfer', s: 1999, d: { from: 'pool', to: a.deviceKey, amount: 70 } },
      { t: 'member.release', d: { key: b.deviceKey } },
      { t: 'transfer', s: 2003, d: { from: 'pool', to: a.deviceKey, amount: 1, ref: 'x' } },
      { t: 'transfer', s: 2004, d: { from: 'pool', to: a.deviceKey, amount: 1 } }
    ])
    await until([a, b], async () => (await a.get(`${a.deviceKey}.${seq}.3`)) !== null && (await b.get(`${a.deviceKey}.${seq}.3`)) !== null)
    t.is((await a.get(`${b.deviceKey}.${held}.1`))?.status, 'rejected', 'the held overdraft is refused where it applies')
    t.is((await a.get(`${a.deviceKey}.${seq}.2`))?.status, 'rejected', 'the ref the released block used is taken')
    t.is(await a.balance('pool'), 100 - 70 + 10 - 5 - 1)
    t.is(await a.balance(b.deviceKey), 5)
    t.is(await a.balance(a.deviceKey), 71)
    for (const account of [undefined, 'pool', a.deviceKey, b.deviceKey]) {
      const all = await allTransfers(a, account)
      for (const q of [{}, { reverse: true }, { since: 2001 }]) t.alike(await list(a.transfers({ ...q, account })), expected(all, q))
    }
    await until([b], async () => (await b.hash()) === (await a.hash()))
    t.pass('one view on both')
  })
}
