/**
 * A core being downloaded asks each of its peers for the next blocks of the range. Before asking,
 * stock hypercore refreshed the range's batches (scans of the local bitfield, each allocating a
 * view of it) for every peer, even one holding none of the core, whose answer is no at once: a
 * gateway merging 64 writers asks all 64 connections for each writer's log and only the writer's
 * holds it (3% of its CPU, in quickbit and the bitfield). Patched in
 * patches/hypercore+11.37.1.patch: a peer that can serve nothing of the range is passed over first.
 */
import test from 'brittle'
import Hypercore from 'hypercore'
import { tmp } from './helpers/index.js'

const BLOCKS = 64
const EMPTY_PEERS = 6

/** What this test reads of a hypercore 11.37.1 replication peer (`lib/replicator.js`). */
interface Peer {
  remoteLength: number
  _populateRangeBatches: (range: unknown) => void
}

function pipe (a: Hypercore, b: Hypercore): void {
  const s = a.replicate(true)
  s.pipe(b.replicate(false)).pipe(s)
}

/** Resolves once `fn()` holds, re-checked on each turn of the event loop. */
async function settled (fn: () => boolean): Promise<void> {
  while (!fn()) await new Promise((resolve) => setImmediate(resolve))
}

test('a range download refreshes its batches only for peers that hold some of it', { timeout: 60_000 }, async (t) => {
  const writer = new Hypercore(await tmp(t))
  t.teardown(() => writer.close())
  for (let i = 0; i < BLOCKS; i++) await writer.append(Buffer.from(`block ${i}`))

  const reader = new Hypercore(await tmp(t), writer.key)
  t.teardown(() => reader.close())
  await reader.ready()
  // Peers that know the core and hold nothing of it (another writer's log, to a gateway).
  for (let i = 0; i < EMPTY_PEERS; i++) {
    const empty = new Hypercore(await tmp(t), writer.key)
    t.teardown(() => empty.close())
    pipe(reader, empty)
  }
  pipe(reader, writer)
  const peers = (): Peer[] => reader.peers as unknown as Peer[]
  await settled(() => peers().length === EMPTY_PEERS + 1 && reader.length === BLOCKS)

  // Every peer is one Peer class: the spy on its prototype sees each peer's refreshes.
  const proto = Object.getPrototypeOf(peers()[0]) as Peer
  const populate = proto._populateRangeBatches
  let refreshes = 0
  let forEmpty = 0
  proto._populateRangeBatches = function (this: Peer, range) {
    refreshes++
    if (this.remoteLength === 0) forEmpty++
    populate.call(this, range)
  }
  t.teardown(() => { proto._populateRangeBatches = populate })

  await reader.download({ start: 0, end: BLOCKS }).done()

  t.comment(`${refreshes} batch refreshes, ${forEmpty} of them for empty peers`)
  t.is(reader.contiguousLength, BLOCKS, 'the whole range arrived')
  t.ok(refreshes > 0, 'the peer holding the core was asked')
  // Stock hypercore: every empty peer too, on each update of the download.
  t.is(forEmpty, 0, 'no refresh for a peer holding nothing of the core')
})
