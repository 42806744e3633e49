/**
 * Fast-forward (on by default): a fresh device adopts the view the indexers signed instead of
 * applying every block, then reads, writes and reports finality like any replica. A device fed
 * one non-indexer peer at a time still picks up the writers' unsigned tails after the jump (it
 * stalled there before autobase was patched to ask its peers for wakeups after every
 * fast-forward: patches/autobase+7.28.1.patch). And a device closed before its fast-forwarded
 * view is local reopens offline (its open-time reads used to wait for a peer: view-prefetch.ts).
 */
import test from 'brittle'
import type { Entry, Role } from '../src/index.js'
type Ledger = LedgerClass
import { Ledger as LedgerClass } from '../src/index.js'
import { create, group, replicate, tmp, until, within } from './helpers/index.js'
import { nextFastForward } from './helpers/internals.js'
import { sync } from './helpers/random.js'

/** Single entries per writer, awaited one at a time: one block each, as a fleet writes them. */
const ROUNDS = 12

/** Longest a fresh device may take to catch up before the test calls it a stall, ms. */
const STALL_MS = 20_000

async function same (d: Ledger, length: number, hash: string): Promise<boolean> {
  return d.length === length && await d.hash() === hash
}

async function fleet (t: test.Test, roles: Role[]): Promise<{ indexer: Ledger, members: Ledger[], written: Entry[] }> {
  const members = await group(t, roles)
  // Promoting indexers reboots the base (the view key changes): `writable` flaps meanwhile.
  await until(members, () => members.every((m, i) => m.writable && (i === 0 || roles[i - 1] !== 'indexer' || m.isIndexer)))
  const written: Entry[] = []
  for (let i = 0; i < ROUNDS; i++) {
    for (const m of members.slice(1)) written.push(await m.append({ type: 'reading', data: { i } }))
  }
  const indexer = members[0]
  await until(members, async () => {
    for (const e of written) if ((await indexer.get(e.id))?.status !== 'confirmed') return false
    return true
  })
  return { indexer, members, written }
}

for (const roles of [['writer', 'writer', 'writer'], ['indexer', 'indexer', 'writer']] as Role[][]) {
  const indexers = 1 + roles.filter((r) => r === 'indexer').length
  test(`fast-forward: a fresh device jumps to the signed view of ${indexers} indexer(s), then reads, writes and confirms`, async (t) => {
    const { indexer, members, written } = await fleet(t, roles)
    const length = indexer.length
    const hash = await indexer.hash()

    const d = await create(t, { key: indexer.key, encryptionKey: indexer.encryptionKey })
    const jumped = nextFastForward(d)
    t.teardown(replicate(indexer, d))
    t.ok(await within(STALL_MS, until([d], () => same(d, length, hash))), `reaches length ${length} and the indexer's hash`)
    const ff = await within(STALL_MS, jumped)
    t.ok(ff, 'by a fast-forward')

    const last = written[written.length - 1]
    t.is((await d.get(last.id))?.status, 'confirmed', 'reads an entry, confirmed')
    let readings = 0
    for await (const e of d.query({ type: 'reading' })) if (e.status === 'confirmed') readings++
    t.is(readings, written.length, 'queries every reading, each confirmed')

    await indexer.addMember(d.deviceKey)
    await until([d], () => d.writable)
    const own = await d.append({ type: 'reading', data: { by: 'fresh' } })
    t.is((await d.confirmed(own.id, { timeout: STALL_MS })).status, 'confirmed', 'appends once a member; confirmed')
    await until([indexer, ...members], async () => (await indexer.get(own.id))?.status === 'confirmed')
    t.pass('the indexer confirms it too')
  })
}

test('fast-forward: a fresh device fed one non-indexer peer at a time picks up the unsigned tails', async (t) => {
  const quiet = { ackInterval: 1 << 30 }
  const a = await create(t, quiet)
  const w = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
  const v = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
  await a.addMember(w.deviceKey)
  await a.addMember(v.deviceKey)
  await sync([a, w, v])
  for (let i = 0; i < ROUNDS; i++) {
    await w.append({ type: 'reading', data: { i } })
    await v.append({ type: 'reading', data: { i } })
  }
  // The indexer's own op references every block so far: they are signed, enough to jump over.
  await sync([a, w, v])
  await a.append({ type: 'note', data: 'signed up to here' })
  await sync([a, w, v])
  // Unsigned tails: the indexer is away, the writers carry on and swap logs.
  for (let i = 0; i < 4; i++) {
    await w.append({ type: 'reading', data: { tail: i } })
    await v.append({ type: 'reading', data: { tail: i } })
  }
  await sync([w, v])
  // A relay that wrote none of it: every log it holds is applied, so it is working on none.
  const relay = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey, fastForward: false })
  await sync([relay, w, v])

  const d = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
  const jumped = nextFastForward(d)
  for (const m of [relay, w, v]) {
    const length = m.length
    const hash = await m.hash()
    const stop = replicate(d, m)
    t.ok(await within(STALL_MS, until([d], () => same(d, length, hash))), `reaches the length (${length}) and hash of each peer it meets alone`)
    stop()
  }
  t.ok(await within(1000, jumped), 'having fast-forwarded')
})

test('fast-forward: a device that closes before its view is local reopens offline, and fetches the rest', async (t) => {
  const { indexer, written } = await fleet(t, ['writer', 'writer'])
  const length = indexer.length
  const hash = await indexer.hash()
  const storage = await tmp(t)
  const opts = { storage, swarm: false as const, ackInterval: 50, key: indexer.key, encryptionKey: indexer.encryptionKey }
  let d = new LedgerClass(opts)
  await d.ready()
  const jumped = nextFastForward(d)
  let stop = replicate(indexer, d)
  await jumped
  // Closed at once: most of the view's blocks are not here yet.
  stop()
  await d.close()

  d = new LedgerClass(opts)
  t.teardown(() => d.close())
  t.ok(await within(STALL_MS, d.ready()), 'opens offline')
  t.is(d.length, length, 'at the length it jumped to')
  stop = replicate(indexer, d)
  t.teardown(stop)
  t.ok(await within(STALL_MS, until([d], async () => await same(d, length, hash) && (await d.get(written[0].id))?.status === 'confirmed')), 'reads the oldest entry once a peer is back')
})
