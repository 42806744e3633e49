/**
 * A gateway that merged a fleet keeps one replication peer per member log per connection (every
 * device keeps every member's log). A writer holds none of the others' logs, and answers the
 * gateway's want for each of them with an all-zero bitfield; stock hypercore allocated two 4 KiB
 * pages (the peer's `remoteBitfield` and `missingBlocks`) for each such answer: 64 writers x 68
 * cores kept 8,064 pages, 68 MB of a 377 MB gateway. Patched in patches/hypercore+11.37.1.patch.
 */
import test from 'brittle'
import { mergeFleet, offlineFleet } from './helpers/fleet.js'
import { create } from './helpers/index.js'

const WRITERS = 6
const EACH = 10

/** What this test reads of a hypercore peer's two remote bitfields (hypercore 11.37.1). */
interface PagedBitfield {
  _pages: { get (i: number): unknown }
  _maxPages: number
}
interface Peer {
  remoteBitfield: PagedBitfield
  missingBlocks: PagedBitfield
}
/** Corestore's tracker of open cores: iterating it gives each core (corestore 7.12.5). */
type OpenCores = Iterable<{ replicator: { peers: Peer[] } }>

function pages (bitfield: PagedBitfield): number {
  let n = 0
  for (let i = 0; i < bitfield._maxPages; i++) if (bitfield._pages.get(i) !== undefined) n++
  return n
}

test('fleet merge: the gateway keeps no bitfield pages for logs its peers do not hold', { timeout: 120_000 }, async (t) => {
  const gateway = await create(t)
  await mergeFleet(t, gateway, await offlineFleet(t, gateway, WRITERS, EACH), EACH)

  const cores = (gateway as unknown as { replica: { store: { cores: OpenCores } } }).replica.store.cores
  let peers = 0
  let held = 0
  for (const core of cores) {
    for (const peer of core.replicator.peers) {
      peers++
      held += pages(peer.remoteBitfield) + pages(peer.missingBlocks)
    }
  }
  t.comment(`${peers} peers, ${held} remote bitfield pages`)
  t.ok(peers >= WRITERS * (WRITERS + 2), `a peer per member log per connection (${peers})`)
  // Each writer's own log arrives as contiguous ranges, which need no page; stock hypercore kept
  // two for each other member's log a writer was asked for (24 here, up to 2 * 6 * 5).
  t.ok(held < WRITERS, `${held} pages held: under one per connection`)
})
