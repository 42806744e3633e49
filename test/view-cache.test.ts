/**
 * Apply keeps its lookups across calls (src/apply/view-cache.ts) only while the view is what the
 * last call left. Autobase reorders by truncating the view and applying again: a lookup from
 * before the truncation must not decide what is applied after it.
 */
import test from 'brittle'
import type Autobase from 'autobase'
import { encodeKey } from '../src/keys.js'
import { encodeBlock } from '../src/protocol/ops.js'
import { blockKey } from '../src/protocol/view-layout.js'
import { bareApply } from './helpers/apply-view.js'

const ADMIN = Buffer.alloc(32, 1)
const WRITER = Buffer.alloc(32, 2)

test('a truncated view drops what apply remembered of it', async (t) => {
  const { bee, host, apply } = await bareApply(t, ADMIN)
  const node = (from: Buffer, length: number, ops: Array<{ t: string, d: unknown }>): Autobase.Node =>
    ({ value: encodeBlock(ops.map((o) => ({ t: o.t, s: 1, d: o.d }))).bytes, from: { key: from }, length, indexed: false, heads: [] }) as unknown as Autobase.Node
  const status = async (seq: number): Promise<string | undefined> =>
    (JSON.parse(((await bee.get(blockKey(WRITER, seq)))?.value ?? Buffer.from('{}')).toString()) as { o?: Array<{ x?: { code: string } }> }).o?.[0]?.x?.code

  await apply([node(ADMIN, 1, [{ t: 'member.add', d: { key: encodeKey(ADMIN), role: 'indexer' } }, { t: 'member.add', d: { key: encodeKey(WRITER), role: 'writer' } }])], bee, host)
  await apply([node(WRITER, 1, [{ t: 'note', d: 'first' }])], bee, host)
  t.is(await status(0), undefined, 'a member\'s entry is accepted')
  const beforeRemoval = bee.core.length
  await apply([node(ADMIN, 2, [{ t: 'member.remove', d: { key: encodeKey(WRITER) } }])], bee, host)
  await apply([node(WRITER, 2, [{ t: 'note', d: 'after the removal' }])], bee, host)
  t.is(await status(1), 'NOT_A_MEMBER', 'after the removal it is not')

  // A reorder: the removal and what followed are undone; the writer's block applies first now.
  await bee.core.truncate(beforeRemoval)
  await apply([node(WRITER, 2, [{ t: 'note', d: 'before the removal, this time' }])], bee, host)
  t.is(await status(1), undefined, 'applied as a member: the remembered removal went with the truncation')
})
