/**
 * A fleet merge: writers that wrote single entries offline meet the gateway (the only indexer) at
 * once. Autobase orders concurrent tentative blocks anew as each writer's blocks arrive, applying
 * again everything after the insertion point; unless the gateway acks while it merges, that
 * is every tentative block so far, over and over (2.5x the blocks for 8 writers of 30 blocks, 5x for 16 of 40). With the
 * patch (autobase `_drain`: an indexer merging a backlog acks in the same drain pass as the blocks
 * it acks), each batch is applied once, in its indexed order, and later arrivals order after it.
 * Acked a pass later, as an earlier version of the patch did, each batch was applied twice: once
 * tentatively, once when the ack reordered it (1.44x here). Only a tail shorter than a batch can
 * still be applied tentatively first.
 */
import test from 'brittle'
import { mergeFleet, offlineFleet } from './helpers/fleet.js'
import { create } from './helpers/index.js'

const WRITERS = 12
const EACH = 25

test('fleet merge: the gateway applies each block once, not once per arrival', { timeout: 120_000 }, async (t) => {
  const gateway = await create(t)
  const fleet = await offlineFleet(t, gateway, WRITERS, EACH)
  const before = gateway.stats.applied
  await mergeFleet(t, gateway, fleet, EACH)
  const applied = gateway.stats.applied - before
  const blocks = WRITERS * EACH
  t.comment(`${applied} blocks applied for ${blocks} merged (${(applied / blocks).toFixed(2)}x)`)
  t.ok(applied <= blocks * 1.25, `applied ${applied} blocks for ${blocks}: at most 1.25x`)
  let entries = 0
  for await (const _ of gateway.query({ type: 'reading' })) entries++
  t.is(entries, blocks, 'every entry is in the view, once')
})
