/**
 * A device following the indexer stores no wakeup record for the indexer's blocks.
 *
 * Autobase keeps, in its local core's user data, the writers whose blocks it holds but has not yet
 * applied ("wakeups"), so that a restarted device looks at them again. autobase 7.28.1 stored one
 * before every downloaded block of every writer (`lib/wakeup.js` `_preupdate`, awaited by hypercore
 * before the block is written) and again once the block was applied, although the wakeup of an
 * active indexer is never read: its log is always followed, and its append and download events bump
 * the base. On a loopback swarm that was 2 of a follower's 9 write batches, and 3 of its 31 read
 * batches, for each entry the indexer appended (`npm run bench -- propagation`). With
 * patches/autobase+7.28.1.patch an active indexer's block stores none. The test fails on Autobase
 * as published (10 wakeup writes for the 10 entries).
 */
import test from 'brittle'
import type Hypercore from 'hypercore'
import { create, replicate, until } from './helpers/index.js'
import { localCore } from './helpers/internals.js'

const ENTRIES = 10

/** Count `core`'s writes of the user data key `key` from now on. */
function countUserData (core: Hypercore, key: string): () => number {
  const internal = core as unknown as { setUserData: (key: string, value: unknown) => Promise<void> }
  const set = internal.setUserData.bind(core)
  let count = 0
  internal.setUserData = async (k, v) => {
    if (k === key) count++
    return await set(k, v)
  }
  return () => count
}

test('a follower stores no wakeup for the blocks of the indexer it follows', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey ?? undefined })
  t.teardown(replicate(a, b))
  const first = await a.append({ type: 'reading', data: { n: 0 } })
  await until([b], async () => (await b.get(first.id)) !== null)

  const wakeups = countUserData(localCore(b), 'autobase/wakeup')
  for (let n = 1; n <= ENTRIES; n++) {
    const entry = await a.append({ type: 'reading', data: { n } })
    await until([b], async () => (await b.get(entry.id)) !== null)
  }
  t.is(wakeups(), 0, `${ENTRIES} entries of the indexer followed, no wakeup record written for them`)
  t.ok((await b.get(first.id)) !== null, 'the follower holds them')
})
