/**
 * A fresh device jumps to the signed view after applying its first block, not after a pass of
 * history. It fast-forwards only from the system core its indexers sign, and its first block (the
 * genesis, an indexer change) moves it to that core. Autobase applied the rest of that drain pass
 * (up to 64 blocks) before the migration (and so before it could learn the signed length), and
 * again the rest of the next pass while the jump it had found waited (patches/autobase+7.28.1.patch,
 * lib/apply-state.js `update`: the apply loop stops at a batch boundary for both).
 */
import test from 'brittle'
import { signedFleet } from './helpers/fleet.js'
import { create, replicate, until } from './helpers/index.js'
import { nextFastForward } from './helpers/internals.js'

const WRITERS = 8
const EACH = 20

/** Blocks a fresh device may apply before its jump: the genesis, and a batch it had begun. */
const MAX_BEFORE_JUMP = 4

test('fresh device: fast-forwards after its first block, without applying the history', { timeout: 120_000 }, async (t) => {
  const { gateway, fleet } = await signedFleet(t, WRITERS, EACH)
  const length = gateway.length
  const hash = await gateway.hash()

  const fresh = await create(t, { key: gateway.key, encryptionKey: gateway.encryptionKey })
  let atJump = -1
  const jumped = nextFastForward(fresh).then(() => { atJump = fresh.stats.applied })
  t.teardown(replicate(gateway, fresh))
  await jumped
  t.comment(`${atJump} blocks applied before the jump (history: ${WRITERS * EACH + WRITERS + 1} blocks)`)
  t.ok(atJump <= MAX_BEFORE_JUMP, `jumped after ${atJump} applied blocks: at most ${MAX_BEFORE_JUMP}`)

  await until([fresh], async () => fresh.length === length && await fresh.hash() === hash)
  t.pass("reaches the gateway's length and hash")
  const last = await fresh.get(`${fleet.keys[WRITERS - 1]}.${EACH - 1}.0`)
  t.is(last?.status, 'confirmed', "reads the last writer's last entry, confirmed")
})
