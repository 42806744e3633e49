/**
 * The local index follows a stream of single entries in spaced catch-ups, and queries still see
 * every entry at once.
 *
 * Each catch-up costs about the same for one view block as for many (the blocks' history, a tree
 * hash, a write to the index's RocksDB). The replica ran one after every view update: on a device
 * receiving an entry every few ms, one per entry, on the thread that also applies and replicates
 * (4 of the ~60 reads and 2 of the ~14 writes of a propagation round trip between two devices).
 * They are now spaced FOLLOW_SPACING_MS apart; a query catches the index up itself. The first test
 * fails with a catch-up per update (checked). Its bound is in passes per elapsed time, so a slow
 * machine can only make it weaker, never fail it.
 */
import test from 'brittle'
import { FOLLOW_SPACING_MS } from '../src/view/local-index.js'
import { followerPair, until } from './helpers/index.js'
import { localIndexOf } from './helpers/internals.js'

const ENTRIES = 40

/** Write batches of the local index's own RocksDB: one per catch-up pass that found something. */
function indexWrites (ledger: Parameters<typeof localIndexOf>[0]): number {
  return (localIndexOf(ledger) as unknown as { store: { db: { _state: { stats: { writeBatches: number } } } } }).store.db._state.stats.writeBatches
}

test('a replica receiving single entries catches its local index up in spaced passes', async (t) => {
  const { a, b } = await followerPair(t)

  const before = indexWrites(b)
  const started = performance.now()
  for (let i = 0; i < ENTRIES; i++) {
    const { id } = await a.append({ type: 'note', data: { i } })
    await until([b], async () => (await b.get(id)) !== null)
  }
  const elapsed = performance.now() - started
  const passes = indexWrites(b) - before
  const bound = Math.ceil(elapsed / FOLLOW_SPACING_MS) + 2
  t.ok(passes <= bound, `${passes} catch-ups for ${ENTRIES} entries in ${elapsed.toFixed(0)} ms (at most ${bound})`)

  const seen: number[] = []
  for await (const e of b.query({ type: 'note' })) seen.push((e.data as { i: number }).i)
  t.is(seen.length, ENTRIES + 1, 'a query right after sees every entry (it catches the index up)')
})
