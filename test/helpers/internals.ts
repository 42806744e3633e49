/**
 * Reaching past the public API to act like a faulty or malicious device: write raw blocks into a
 * device's own log, skipping local validation.
 */
import type Autobase from 'autobase'
import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import type { Entry, Ledger } from '../../src/index.js'
import { encodeBlock } from '../../src/protocol/ops.js'
import { parseId } from '../../src/protocol/entry-id.js'
import { blockKey } from '../../src/protocol/view-layout.js'
import type { LocalIndex } from '../../src/view/local-index.js'
import { isScratchStream } from '../../src/audit/pipe.js'

interface RawBase {
  local: Hypercore
  view: { core: { key: Buffer }, get (key: Buffer): Promise<{ seq: number } | null> }
  core: { key: Buffer }
  store: { get (opts: { key: Buffer, active: boolean }): { ready (): Promise<void>, on (event: 'upload', fn: (index: number, bytes: number, from: { stream: unknown }) => void): void, close (): Promise<void> } }
  append (value: Buffer): Promise<number>
  heads (): Array<{ key: Buffer, length: number }>
  length: number
  localWriter: { isRemoved: boolean } | null
  /** Membership at the newest applied state (patched Autobase): what the append check reads. */
  _localMember: boolean
}

function rawBase (ledger: Ledger): RawBase {
  return (ledger as unknown as { replica: { base: RawBase } }).replica.base
}

/** The Autobase under `ledger`, typed as published (its events, `view`, `core`). */
export function baseOf (ledger: Ledger): Autobase<Hyperbee> {
  return (ledger as unknown as { replica: { base: Autobase<Hyperbee> } }).replica.base
}

/** Append raw bytes as one block of `ledger`'s log; resolves with the block index. */
export async function appendRaw (ledger: Ledger, block: Buffer): Promise<number> {
  return (await rawBase(ledger).append(block)) - 1
}

/** Append ops as one block, unchecked. */
export async function appendOps (ledger: Ledger, ops: Array<{ t: string, s?: number, d?: unknown }>): Promise<number> {
  return appendRaw(ledger, encodeBlock(ops.map((o) => ({ t: o.t, s: o.s ?? 1, d: o.d ?? null }))).bytes)
}

/** Write into the log of a device that was removed, as a misbehaving device would. */
export async function forceAppendAfterRemoval (ledger: Ledger, ops: Array<{ t: string, d?: unknown }>): Promise<number> {
  const base = rawBase(ledger)
  const writer = base.localWriter
  if (writer === null) throw new Error('no local writer to force')
  // Both flags: apply reads isRemoved, the local append check reads _localMember, which every
  // drain pass recomputes from the system, so it is pinned for the forced append.
  const member = base._localMember
  writer.isRemoved = false
  Object.defineProperty(base, '_localMember', { configurable: true, get: () => true, set: () => {} })
  try {
    return await appendOps(ledger, ops)
  } finally {
    writer.isRemoved = true
    Object.defineProperty(base, '_localMember', { configurable: true, writable: true, value: member })
  }
}

/** The causal heads and system length: equal on two peers when they hold the same history. */
export function history (ledger: Ledger): string {
  const base = rawBase(ledger)
  const heads = base.heads().map((h) => `${h.key.toString('hex')}:${h.length}`).sort()
  return `${base.length}|${heads.join(',')}`
}

/** A device's own log (its Autobase local writer core). */
export function localCore (ledger: Ledger): Hypercore {
  return rawBase(ledger).local
}

/** The key of the core holding `ledger`'s view (it changes with the indexer set). */
export function viewKey (ledger: Ledger): Buffer {
  return rawBase(ledger).view.core.key
}

/** The view block holding `entry`'s block record. */
export async function viewBlockOf (ledger: Ledger, entry: Entry): Promise<number> {
  const { writer, seq } = parseId(entry.id)
  const node = await rawBase(ledger).view.get(blockKey(writer, seq))
  if (node === null) throw new Error(`${entry.id} is not in the view`)
  return node.seq
}

/**
 * Counts the blocks of its view and system cores `ledger` serves from now on to the audit's scratch
 * copies (its own `verify()` rebuild); what it serves its network peers meanwhile is not counted.
 */
export async function derivedUploads (ledger: Ledger): Promise<{ count (): number, close (): Promise<void> }> {
  const base = rawBase(ledger)
  let n = 0
  const cores = [base.view.core.key, base.core.key].map((key) => base.store.get({ key, active: false }))
  for (const core of cores) {
    await core.ready()
    core.on('upload', (_index, _bytes, from) => { if (isScratchStream(from.stream)) n++ })
  }
  return { count: () => n, close: async () => { for (const core of cores) await core.close() } }
}

/** Resolves with the system lengths of `ledger`'s next Autobase fast-forward (`from` -> `to`). */
export function nextFastForward (ledger: Ledger): Promise<{ from: number, to: number }> {
  const base = (ledger as unknown as { replica: { base: { once (event: 'fast-forward', fn: (to: number, from: number) => void): void } } }).replica.base
  return new Promise((resolve) => base.once('fast-forward', (to, from) => resolve({ from, to })))
}

/** The Hyperbee holding `ledger`'s view, for tests that read its raw records. */
export function viewOf (ledger: Ledger): Hyperbee {
  return rawBase(ledger).view as unknown as Hyperbee
}

/** The local index of `ledger` (protocol 7: segments derived on the device, view/local-index.ts). */
export function localIndexOf (ledger: Ledger): LocalIndex {
  return (ledger as unknown as { replica: { index: LocalIndex } }).replica.index
}

/** Every segment a local index holds once caught up with `length`, as `key=value` hex. */
export async function indexContents (index: LocalIndex, length: number): Promise<string[]> {
  const db = await index.reader(length)
  const out: string[] = []
  try {
    for await (const { key, value } of db.iterator({ gte: Buffer.from([0x08]), lt: Buffer.from([0x0c]) })) out.push(`${key.toString('hex')}=${value.toString('hex')}`)
  } finally {
    await db.close()
  }
  return out
}

/** What a local index derived afresh (in `folder`) from `ledger`'s view holds. */
export async function freshIndexContents (ledger: Ledger, folder: string, warn: (err: unknown) => void): Promise<string[]> {
  const view = viewOf(ledger)
  const { LocalIndex: Index } = await import('../../src/view/local-index.js')
  const fresh = new Index(folder, view, warn)
  await fresh.ready()
  fresh.start()
  try {
    return await indexContents(fresh, view.core.length)
  } finally {
    await fresh.close()
  }
}

/**
 * Hold `ledger`'s next view reads on the Autobase open now until that Autobase has closed, then
 * let them through: reads a restart overtakes, as a client's call can be.
 */
export function holdReadsUntilClosed (ledger: Ledger): void {
  const base = rawBase(ledger) as RawBase & { closing: Promise<void> | null }
  const view = base.view
  const get = view.get.bind(view)
  view.get = async (key) => {
    while (base.closing === null) await new Promise((resolve) => setTimeout(resolve, 5))
    await base.closing
    return get(key)
  }
}

/** The DHT `ledger`'s network created (null when offline or given a swarm), read before a close. */
export function dhtOf (ledger: Ledger): { destroyed: boolean } | null {
  return (ledger as unknown as { replica: { network: { dht: { destroyed: boolean } | null } | null } }).replica.network?.dht ?? null
}
