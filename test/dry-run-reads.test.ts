/**
 * The dry run before a ledger op's append (src/apply/dry-run.ts) reads the view through the view's
 * own Hyperbee and its caches. With a Hyperbee of its own per view version, i.e. per append, it
 * read every tree node on the way to each key from storage again: an invite admitted on a
 * gateway cost ~25 RocksDB reads in the dry run alone.
 */
import test from 'brittle'
import type Autobase from 'autobase'
import { dryRun } from '../src/apply/dry-run.js'
import { encodeKey } from '../src/keys.js'
import { encodeBlock, type WireOp } from '../src/protocol/ops.js'
import { bareApply } from './helpers/apply-view.js'

const ADMIN = Buffer.alloc(32, 1)
const MEMBERS = 120

test('a dry run at a new view version reads only what changed since the last one', async (t) => {
  const { store, bee, host, apply } = await bareApply(t, ADMIN)
  let length = 0
  const block = async (ops: Array<{ t: string, d: unknown }>): Promise<void> => {
    const value = encodeBlock(ops.map((o) => ({ t: o.t, s: 1, d: o.d }))).bytes
    await apply([{ value, from: { key: ADMIN }, length: ++length, indexed: false, heads: [] } as unknown as Autobase.Node], bee, host)
  }
  const member = (i: number): string => encodeKey(Buffer.alloc(32, i + 2))
  // A view deep enough that a key is a few tree levels down: the admin and many writers.
  await block([{ t: 'member.add', d: { key: encodeKey(ADMIN), role: 'indexer' } }])
  for (let i = 0; i < MEMBERS; i++) await block([{ t: 'member.add', d: { key: member(i), role: 'writer' } }])

  const op = (i: number): WireOp => ({ t: 'member.grant', s: 1, d: { key: member(i), capability: 'inspector' } })
  const gets = (): number => (store as unknown as { storage: { db: { _state: { stats: { gets: number } } } } }).storage.db._state.stats.gets
  t.is(await dryRun(bee, ADMIN, ADMIN, length, op(0)), null, 'the grant would be applied')

  let worst = 0
  for (let i = 1; i <= 5; i++) {
    await block([{ t: 'note', d: `entry ${i}` }]) // a new version of the view
    const before = gets()
    t.is(await dryRun(bee, ADMIN, ADMIN, length, op(i)), null, `the grant to writer ${i} would be applied`)
    worst = Math.max(worst, gets() - before)
  }
  // Its reads: the admin's member record, the active protocol and the writer's member record, each
  // through the nodes the last block rewrote (a few); the rest of each path is in the caches.
  t.ok(worst <= 12, `at most 12 storage reads for a dry run at a new version (worst: ${worst})`)
  t.is((await dryRun(bee, ADMIN, Buffer.alloc(32, 250), length, op(0)))?.code, 'NOT_A_MEMBER', 'it still refuses what apply would refuse')
})
