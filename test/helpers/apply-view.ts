/**
 * A view fed straight through the router (no Autobase, no network): blocks of chosen writers
 * with chosen timestamps, applied in batches, on real storage in a temp dir. For tests that need
 * many blocks fast and exact control of timestamps and writers.
 */
import type test from 'brittle'
import type Autobase from 'autobase'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { createApply } from '../../src/apply/router.js'
import { encodeBlock } from '../../src/protocol/ops.js'
import { encodeKey } from '../../src/keys.js'
import { tmp } from './index.js'

type T = test.Test

/** Writer keys whose z32 order (f0 < 35 < 07) is the reverse of their byte order. */
export const WRITERS = [Buffer.alloc(32, 0x07), Buffer.alloc(32, 0xf0), Buffer.alloc(32, 0x35)]

/** One op as a test writes it. */
export interface TestOp { t: string, s: number, d?: unknown }

export interface AppliedView {
  bee: Hyperbee
  /** Reads of the store's RocksDB so far (every view block a query loads is one). */
  storageGets: () => number
  /** Queue a block of `ops` from `WRITERS[w]`; resolves with its seq once applied. */
  append: (w: number, ops: TestOp[]) => number
  /** Apply what is queued. */
  flush: () => Promise<void>
}

/** A view whose genesis (WRITERS[0]) adds the other writers, activating `protocol` when above 4. */
export async function appliedView (t: T, protocol: number, genesisTs = 1): Promise<AppliedView> {
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const bee = new Hyperbee(store.get({ name: 'view' }), { keyEncoding: 'binary', valueEncoding: 'binary' })
  await bee.ready()
  const host = { addWriter: async () => {}, removeWriter: async () => {}, removeable: () => true, interrupt: () => {} } as unknown as Autobase.Host
  const apply = createApply(() => WRITERS[0])
  const lengths = WRITERS.map(() => 0)
  let queue: Autobase.Node[] = []
  const append = (w: number, ops: TestOp[]): number => {
    const value = encodeBlock(ops.map((o) => ({ t: o.t, s: o.s, d: o.d ?? null }))).bytes
    queue.push({ value, from: { key: WRITERS[w] }, length: ++lengths[w], indexed: false, heads: [] } as unknown as Autobase.Node)
    return lengths[w] - 1
  }
  const flush = async (): Promise<void> => {
    for (let i = 0; i < queue.length; i += 1000) await apply(queue.slice(i, i + 1000), bee, host)
    queue = []
  }
  const genesis: TestOp[] = WRITERS.map((k, i) => ({ t: 'member.add', s: genesisTs, d: { key: encodeKey(k), role: i === 0 ? 'indexer' : 'writer' } }))
  if (protocol > 4) genesis.push({ t: 'ledger.protocol', s: genesisTs, d: { version: protocol } })
  append(0, genesis)
  await flush()
  const rocks = (store as unknown as { storage: { rocks: { stats: { gets: number } } } }).storage.rocks
  return { bee, storageGets: () => rocks.stats.gets, append, flush }
}

/** Wraps a view so a query's reads are counted: index segments visited and block records loaded. */
export function countingView (bee: Hyperbee): { view: Hyperbee, segments: () => number, blocks: () => number } {
  let segments = 0
  let blocks = 0
  const view = {
    core: bee.core,
    snapshot () {
      const snap = bee.snapshot()
      return {
        createRangeIterator: (range: Hyperbee.Range) => {
          const iterator = snap.createRangeIterator(range)
          return {
            get opened () { return iterator.opened },
            open: async () => iterator.open(),
            next: async () => {
              const node = await iterator.next()
              if (node !== null) segments++
              return node
            },
            close: async () => iterator.close()
          }
        },
        get: async (key: Buffer) => { blocks++; return snap.get(key) },
        close: async () => snap.close()
      }
    }
  }
  return { view: view as unknown as Hyperbee, segments: () => segments, blocks: () => blocks }
}

/** A bare view and the router's apply over it, with a host that accepts every membership change. */
export async function bareApply (t: T, genesis: Buffer): Promise<{ store: Corestore, bee: Hyperbee, host: Autobase.Host, apply: ReturnType<typeof createApply> }> {
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const bee = new Hyperbee(store.get({ name: 'view' }), { keyEncoding: 'binary', valueEncoding: 'binary' })
  await bee.ready()
  const host = { addWriter: async () => {}, removeWriter: async () => {}, removeable: () => true, interrupt: () => {} } as unknown as Autobase.Host
  return { store, bee, host, apply: createApply(() => genesis) }
}
