/**
 * A core's hints (its contiguous length, the longest a peer holds from 0) cost no write of their
 * own per block, and the stored hints are never above the truth.
 *
 * hypercore 11.37.1 wrote the hints in a RocksDB write batch of their own after every block
 * appended, verified or committed, and after every peer's range message (awaited before asking the
 * peer for what it announced): on a loopback swarm a round trip of one entry between two devices
 * made 22 write batches, 14 after this (`npm run bench -- propagation`, README Performance). With
 * patches/hypercore+11.37.1.patch a hint that only grew is stored later, together, and at close;
 * one that went down is stored at once, since hypercore finds the contiguous length at open by
 * searching the bitfield up from the stored hint. The first test fails on hypercore as published.
 */
import test from 'brittle'
import type brittle from 'brittle'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { corePair } from './helpers/index.js'

type T = brittle.Test

const BLOCKS = 40

interface Hints { contiguousLength: number, remoteContiguousLength: number }

interface Internals {
  core: { state: { storage: { read (): { getHints (): Promise<Hints | null>, tryFlush (): void } } } }
  remoteContiguousLength: number
}

/** RocksDB write batches the store has flushed so far. */
function writes (store: Corestore): number {
  return (store as unknown as { storage: { db: { _state: { stats: { writeBatches: number } } } } }).storage.db._state.stats.writeBatches
}

/** The hints as stored (not hypercore's copy in memory). */
async function storedHints (core: Hypercore): Promise<Hints> {
  const rx = (core as unknown as Internals).core.state.storage.read()
  const hints = rx.getHints()
  rx.tryFlush()
  return (await hints) ?? { contiguousLength: 0, remoteContiguousLength: 0 }
}

async function openPair (t: T): Promise<{ dirA: string, storeA: Corestore, storeB: Corestore, a: Hypercore, b: Hypercore }> {
  const pair = await corePair(t)
  pair.b.download({ start: 0, end: -1 })
  return pair
}

/** Append `n` blocks on `a` one at a time, each awaited until `b` holds it (event-driven). */
async function appendEach (a: Hypercore, b: Hypercore, n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const { length } = await a.append(Buffer.from(`block ${i}`))
    while (!(await b.has(length - 1))) await new Promise((resolve) => b.once('download', resolve))
  }
}

test('a log and its replica write once per block, not once more for their hints', async (t) => {
  const { storeA, storeB, a, b } = await openPair(t)
  await appendEach(a, b, 2) // the first blocks set up the peers (manifest, bitfields)
  const beforeA = writes(storeA)
  const beforeB = writes(storeB)
  await appendEach(a, b, BLOCKS)
  const perBlockA = (writes(storeA) - beforeA) / BLOCKS
  const perBlockB = (writes(storeB) - beforeB) / BLOCKS
  // One write a block each (the append; the verified block), plus a hint flush now and then.
  t.ok(perBlockA <= 1.2, `the writer: ${perBlockA.toFixed(2)} write batches a block`)
  t.ok(perBlockB <= 1.2, `the replica: ${perBlockB.toFixed(2)} write batches a block`)
  t.is(a.contiguousLength, BLOCKS + 2, 'the hints in memory are current')
  t.is((a as unknown as Internals).remoteContiguousLength, BLOCKS + 2, 'including what the peer holds')
  t.is(b.contiguousLength, BLOCKS + 2)
  const stored = await storedHints(b)
  t.ok(stored.contiguousLength <= BLOCKS + 2, 'a stored hint is never above the truth')
})

test('hints are stored at close, and a hint that went down at once', async (t) => {
  const { dirA, storeA, a, b } = await openPair(t)
  await appendEach(a, b, BLOCKS)
  await a.truncate(BLOCKS / 2)
  t.is((await storedHints(a)).contiguousLength, BLOCKS / 2, 'a truncation stores the lower hint before it returns')
  await a.append(Buffer.from('after'))
  await storeA.close()

  const again = new Corestore(dirA)
  t.teardown(() => again.close())
  const reopened = again.get({ name: 'log' })
  await reopened.ready()
  t.is(reopened.length, BLOCKS / 2 + 1)
  t.is(reopened.contiguousLength, BLOCKS / 2 + 1, 'the contiguous length is right after a reopen')
  const stored = await storedHints(reopened)
  t.is(stored.contiguousLength, BLOCKS / 2 + 1, 'the grown hint was stored at close')
  t.ok(stored.remoteContiguousLength >= BLOCKS / 2, `and what the peer held (${stored.remoteContiguousLength})`)
})
