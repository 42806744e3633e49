/**
 * The view's Hyperbee node cache survives a reorder and stays bounded in bytes.
 *
 * Autobase reorders by truncating the view and applying again; in a fleet merge the gateway
 * truncates by hundreds of blocks at a time. hyperbee 2.27.3 (`Cache.gc`) empties its whole node
 * and key cache when a truncation removes more than 128 entries, so every apply after a reorder
 * read the tree's top nodes back from RocksDB (144k reads for a 64-writer merge of 6,400 entries).
 * Its cache is bounded by entries, not bytes, so a larger cache would have held whole block records
 * of group commits (up to 1 MiB each). With patches/hyperbee+2.27.3.patch a truncation drops only
 * the entries past it, and a node whose value is over 4 KiB is read, not kept. A key is a view of
 * its whole block, so the key cache kept every large block whose key a put or a get compared with
 * (a group commit's block record, ~77 KB for 256 entries: 48 MB of 200k entries' records after
 * ingest); the patch caches a copy of such a key. And it keeps a large node's key and tree index
 * without its value (a skeleton, 1,024 at most): a tree's root is its newest block, and when that
 * held a group commit's record every read from the root fetched and decoded the whole block again (a
 * query for the newest 100 of 1M entries read the root 8 times in 14 RocksDB gets; asked again, 2 now,
 * the records it returns). Kept whole, even 1 MB of such nodes raised RSS after ingest by ~20 MB.
 * The four tests fail on hyperbee as published.
 */
import test from 'brittle'
import type brittle from 'brittle'
import type Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { openStore } from '../src/replica/storage.js'
import { tmp } from './helpers/index.js'

/** The node cache behind a Hyperbee (internal to hyperbee: what the patch changes). */
interface NodeCache { keys: { size: number, [Symbol.iterator]: () => Iterator<[number, { value: Buffer | null }]> } }

type T = brittle.Test

const key = (text: string): Buffer => Buffer.from(text)

/** The key cache behind a Hyperbee: block seq to the key stored in that block. */
interface KeyCache { keys: { [Symbol.iterator]: () => Iterator<[number, Buffer]> } }

function nodeCache (bee: Hyperbee): NodeCache {
  return (bee as unknown as { _nodeCache: NodeCache })._nodeCache
}

function keyCache (bee: Hyperbee): KeyCache {
  return (bee as unknown as { _keyCache: KeyCache })._keyCache
}

/** RocksDB gets of the store so far. */
function gets (store: Corestore): number {
  return (store as unknown as { storage: { db: { _state: { stats: { gets: number } } } } }).storage.db._state.stats.gets
}

async function openBee (t: T): Promise<Hyperbee> {
  return (await openBeeIn(t)).bee
}

async function openBeeIn (t: T): Promise<{ bee: Hyperbee, store: Corestore }> {
  const { store } = await openStore(await tmp(t), 4096)
  const bee = new Hyperbee(store.get({ name: 'bee' }), { keyEncoding: 'binary', valueEncoding: 'binary' })
  await bee.ready()
  t.teardown(async () => {
    await bee.close()
    await store.close()
  })
  return { bee, store }
}

test('a truncation past many blocks keeps the cached nodes before it', async (t) => {
  const bee = await openBee(t)
  for (let i = 0; i < 400; i++) await bee.put(key(`k${String(i).padStart(4, '0')}`), Buffer.from(`v${i}`))
  const checkout = bee.checkout(201)
  for (let i = 0; i < 200; i++) await checkout.get(key(`k${String(i).padStart(4, '0')}`))
  await checkout.close()
  const before = [...nodeCache(bee).keys].filter(([seq]) => seq < 201).length
  t.ok(before > 100, `reads before the truncation point are cached (${before})`)

  await bee.core.truncate(201)
  const after = [...nodeCache(bee).keys].filter(([seq]) => seq < 201).length
  t.is(after, before, 'a truncation by 199 blocks keeps every cached node before it')
  t.is([...nodeCache(bee).keys].filter(([seq]) => seq >= 201).length, 0, 'and none past it')
  t.alike(await bee.get(key('k0150')), { seq: 151, key: key('k0150'), value: Buffer.from('v150') }, 'reads after it are right')
})

test('a node holding a large value is not kept in the node cache bounded by entries', async (t) => {
  const bee = await openBee(t)
  for (let i = 0; i < 20; i++) await bee.put(key(`big${i}`), Buffer.alloc(64 * 1024, i))
  for (let i = 0; i < 20; i++) await bee.put(key(`small${i}`), Buffer.from(`v${i}`))
  for (let i = 0; i < 20; i++) {
    t.is((await bee.get(key(`big${i}`)))?.value.byteLength, 64 * 1024)
    await bee.get(key(`small${i}`))
  }
  let bytes = 0
  let small = 0
  for (const [, node] of nodeCache(bee).keys) {
    const size = node.value?.byteLength ?? 0
    bytes += size
    if (size <= 4096) small++
  }
  t.ok(small >= 20, `small nodes are cached (${small})`)
  t.ok(bytes <= 20 * 4096, `the cache holds ${bytes} bytes of values, none of the 64 KiB ones`)
})

test('a cached key does not keep the large block it was read from', async (t) => {
  const bee = await openBee(t)
  // Interleaved, so the tree's nodes hold keys of big blocks that the gets below compare with.
  for (let i = 0; i < 40; i++) {
    await bee.put(key(`k${String(i).padStart(2, '0')}a`), Buffer.alloc(64 * 1024, i))
    await bee.put(key(`k${String(i).padStart(2, '0')}b`), Buffer.from(`v${i}`))
  }
  for (let i = 0; i < 40; i++) t.is((await bee.get(key(`k${String(i).padStart(2, '0')}b`)))?.value.toString(), `v${i}`)
  let big = 0
  let pinned = 0
  for (const [, k] of keyCache(bee).keys) {
    if (k.toString().endsWith('a')) big++
    if (k.buffer.byteLength > 4096) pinned++
  }
  t.ok(big > 0, `keys of the large blocks are cached (${big})`)
  t.is(pinned, 0, 'none of the cached keys keeps more than 4 KiB of its block alive')
})

test('a root holding a large value is read from storage once, not on every read through it', async (t) => {
  const { bee, store } = await openBeeIn(t)
  for (let i = 0; i < 200; i++) await bee.put(key(`k${String(i).padStart(3, '0')}`), Buffer.from(`v${i}`))
  await bee.put(key('k999'), Buffer.alloc(64 * 1024, 1)) // the newest block: the tree's root
  const fresh = bee.snapshot() // reads through the bee's caches, as a query's snapshot does
  t.teardown(async () => { await fresh.close() })
  await fresh.get(key('k000'))
  const before = gets(store)
  for (let i = 0; i < 200; i += 20) t.is((await fresh.get(key(`k${String(i).padStart(3, '0')}`)))?.value.toString(), `v${i}`)
  t.is(gets(store) - before, 0, '10 gets through the root, its nodes read once before: no storage read (the root was read again for each)')
  const skeletons = (bee as unknown as { _skeletonCache: { nodes: Map<number, { value: Buffer | null, key: Buffer }> } | undefined })._skeletonCache
  const kept = [...(skeletons?.nodes.values() ?? [])]
  t.ok(kept.length > 0 && kept.every((n) => n.value === null && n.key.buffer.byteLength < 4096), `the root is kept without its value (${kept.length} such nodes)`)
  t.is((await fresh.get(key('k999')))?.value.byteLength, 64 * 1024, 'and a get of its own key reads its value')
})
