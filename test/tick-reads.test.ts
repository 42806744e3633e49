/**
 * Single reads of a core's storage asked for in the same tick share one RocksDB read batch.
 *
 * hypercore 11.37.1 gave every block `get` and every tree-node read its own read batch, and each
 * batch is a round trip through libuv's thread pool (~21 µs of the main thread and ~35 µs of the
 * process on this machine, against about a microsecond for the get itself). A device fetching a
 * ledger walks up the Merkle tree before each block request, one awaited read per level, for each
 * of the requests in flight: ~23k of the ~40k read batches of a fresh sync of the 64-writer fleet
 * history. With patches/hypercore+11.37.1.patch (lib/tick-read.js) reads asked for in the same
 * tick go out together, so the walks in flight share a batch per level. Both tests fail on
 * hypercore as published.
 */
import test from 'brittle'
import Corestore from 'corestore'
import { corePair, tmp } from './helpers/index.js'

const BLOCKS = 256

/** RocksDB read batches the store has flushed so far. */
function readBatches (store: Corestore): number {
  return (store as unknown as { storage: { db: { _state: { stats: { readBatches: number } } } } }).storage.db._state.stats.readBatches
}

function block (i: number): Buffer {
  return Buffer.from(`block ${i}`)
}

test('gets of stored blocks asked for together share one read batch', async (t) => {
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const core = store.get({ name: 'log' })
  await core.ready()
  await core.append(Array.from({ length: 32 }, (_, i) => block(i)))

  const before = readBatches(store)
  const got = await Promise.all(Array.from({ length: 32 }, (_, i) => core.get(i)))
  t.is(readBatches(store) - before, 1, 'one read batch for 32 gets')
  t.alike(got, Array.from({ length: 32 }, (_, i) => block(i)), 'each get has its own block')
  t.is(await core.get(32, { wait: false }), null, 'a block not there is still null')
})

test('a replica fetching a core shares its tree reads between the requests in flight', async (t) => {
  const { storeB, a, b } = await corePair(t)
  for (let i = 0; i < BLOCKS; i += 32) await a.append(Array.from({ length: 32 }, (_, j) => block(i + j)))
  await b.update()

  const before = readBatches(storeB)
  await b.download({ start: 0, end: BLOCKS }).done()
  const perBlock = (readBatches(storeB) - before) / BLOCKS
  t.comment(`replica: ${perBlock.toFixed(2)} read batches per block fetched`)
  // As published: ~1 per tree level walked before each request plus one to verify (3-5 a block).
  t.ok(perBlock < 2.5, `fewer than 2.5 read batches per block (${perBlock.toFixed(2)})`)
  for (let i = 0; i < BLOCKS; i++) {
    if ((await b.get(i))?.equals(block(i)) !== true) t.fail(`block ${i} differs`)
  }
})
