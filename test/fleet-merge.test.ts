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
import Corestore from 'corestore'
import { pipeReplicas } from '../src/audit/pipe.js'
import { create, tmp, until } from './helpers/index.js'

const WRITERS = 12
const EACH = 25

test('fleet merge: the gateway applies each block once, not once per arrival', { timeout: 120_000 }, async (t) => {
  const gateway = await create(t)
  const dirs: string[] = []
  const keys: string[] = []
  for (let i = 0; i < WRITERS; i++) {
    const storage = await tmp(t)
    const w = await create(t, { storage, key: gateway.key, encryptionKey: gateway.encryptionKey })
    await gateway.addMember(w.deviceKey, { role: 'writer' })
    const unpipe = pipeReplicas(gateway, w)
    await until([w], () => w.writable)
    unpipe()
    for (let n = 0; n < EACH; n++) await w.append({ type: 'reading', data: { n } })
    keys.push(w.deviceKey)
    dirs.push(storage)
    await w.close()
  }

  // The writers only serve their logs: the gateway is the only device applying.
  const stores = dirs.map((d) => new Corestore(d))
  t.teardown(async () => { for (const s of stores) await s.close() })
  // Autobase's timers are unref'd, and in-memory pipes hold no handle: a daemon's process stays
  // alive anyway, this one must be kept alive while the merge waits on a timer.
  const alive = setInterval(() => {}, 1000)
  t.teardown(() => clearInterval(alive))
  const before = gateway.stats.applied
  const unpipes = stores.map((s) => pipeReplicas(gateway, s))
  t.teardown(() => { for (const u of unpipes) u() })
  await until([gateway], async () => {
    for (const key of keys) if ((await gateway.get(`${key}.${EACH - 1}.0`)) === null) return false
    return true
  })
  const applied = gateway.stats.applied - before
  const blocks = WRITERS * EACH
  t.comment(`${applied} blocks applied for ${blocks} merged (${(applied / blocks).toFixed(2)}x)`)
  t.ok(applied <= blocks * 1.25, `applied ${applied} blocks for ${blocks}: at most 1.25x`)
  let entries = 0
  for await (const _ of gateway.query({ type: 'reading' })) entries++
  t.is(entries, blocks, 'every entry is in the view, once')
})
