/**
 * The Hyperbee patch (patches/hyperbee+2.27.3.patch): a snapshot reads through the caches of the
 * bee it was taken from, so a query repeated on an unchanged view loads nothing again
 * (history-cost.test.ts counts it). Those caches also serve apply, so a snapshot taken before the
 * view is truncated (Autobase undoing blocks on a reorder) must never put what it reads there.
 */
import test from 'brittle'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { tmp } from './helpers/index.js'

const KEYS = Array.from({ length: 200 }, (_, i) => Buffer.from(`k${String(i).padStart(4, '0')}`))

async function fill (bee: Hyperbee, tag: string): Promise<void> {
  const batch = bee.batch()
  for (const k of KEYS) await batch.put(k, Buffer.from(`${tag}:${k.toString()}`))
  await batch.flush()
}

test('a snapshot shares the view\'s caches until the view is truncated, and never feeds them after', async (t) => {
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const bee = new Hyperbee(store.get({ name: 'view' }), { keyEncoding: 'binary', valueEncoding: 'binary' })
  await bee.ready()
  await fill(bee, 'old')
  const rocks = (store as unknown as { storage: { rocks: { stats: { gets: number } } } }).storage.rocks
  const gets = async (read: () => Promise<void>): Promise<number> => {
    const before = rocks.stats.gets
    await read()
    return rocks.stats.gets - before
  }
  const readAll = (b: Hyperbee) => async () => { for (const k of KEYS) await b.get(k) }

  const first = bee.snapshot()
  t.ok(await gets(readAll(first)) > 0, 'the first snapshot loads from storage')
  const second = bee.snapshot()
  t.is(await gets(readAll(second)), 0, 'a second snapshot finds every block in the shared caches')

  // A truncation (same fork, as Autobase's system core does, and a new fork) then other content at the same seqs.
  const stale = bee.snapshot()
  await stale.ready()
  await bee.core.truncate(1, bee.core.fork)
  await fill(bee, 'new')
  for (const k of KEYS) {
    try {
      const node = await stale.get(k)
      if (node !== null) t.ok(node.value.toString().startsWith('old:'), 'the stale snapshot reads its own version') // or nothing
    } catch {} // a truncated block may be gone for it
  }
  for (const k of KEYS) {
    const node = await bee.get(k)
    if (node?.value.toString() !== `new:${k.toString()}`) t.fail(`${k.toString()}: ${node?.value.toString() ?? 'null'} after the truncation`)
  }
  const fresh = bee.snapshot()
  for (const k of KEYS) {
    const node = await fresh.get(k)
    if (node?.value.toString() !== `new:${k.toString()}`) t.fail(`a new snapshot, ${k.toString()}: ${node?.value.toString() ?? 'null'}`)
  }
  t.is(await gets(readAll(bee.snapshot())), 0, 'snapshots taken after the truncation share the caches again')
  await Promise.all([first, second, stale, fresh].map(async (s) => s.close()))
})
