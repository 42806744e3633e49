/**
 * The local index's storage: a RocksDB of its own in the ledger's folder (`index/`), never
 * replicated. Keys:
 *
 * | key                     | value                                                          |
 * |-------------------------|----------------------------------------------------------------|
 * | 0x08-0x0b ...           | an index segment, key and value as apply/segments.ts makes them |
 * | 0xf0                    | the mark: view length indexed (8), the view's tree hash there  |
 * | 0xf1, view seq (8)      | the segment keys derived from that view block, each (2) length-prefixed |
 * | 0xf2, view length (8)   | a checkpoint: the view's tree hash at that length              |
 *
 * Every change is one write batch that moves the mark with it, so the index always holds exactly
 * what was derived from the view prefix the mark names. A tree hash proves a whole prefix: after a
 * crash, the newest checkpoint the view still hashes to is where the index and the view agree.
 */
import RocksDB from 'rocksdb-native'

const MARK = Buffer.from([0xf0])
const DERIVED = 0xf1
const CHECKPOINT = 0xf2
/** Segment keys are layout 2's (view-layout.ts): prefixes 0x08 to 0x0b. */
const FIRST_SEGMENT = 0x08
const LAST_SEGMENT = 0x0b

/** Like the store's (replica/storage.ts): a small memtable, no block cache, two background jobs. */
const ROCKS_OPTIONS = { writeBufferSize: 2 * 1024 * 1024, maxBackgroundJobs: 2, blockCache: false, tableCacheIndexAndFilterBlocks: false }

/** A view prefix the index holds everything of: its length and the view's tree hash there. */
export interface Checkpoint { length: number, hash: Buffer }

/** The segments derived from one view block. */
export interface Derived { seq: number, segments: Array<{ key: Buffer, value: Buffer }> }

/** Internal: the local index's RocksDB. */
export class IndexStore {
  readonly db: RocksDB

  constructor (folder: string) {
    this.db = new RocksDB(folder, ROCKS_OPTIONS)
  }

  async ready (): Promise<void> {
    await this.db.ready()
  }

  async close (): Promise<void> {
    await this.db.close()
  }

  /** The mark, or null for an index that never wrote. */
  async mark (): Promise<Checkpoint | null> {
    return await markIn(this.db)
  }

  /** Every checkpoint kept, oldest first. */
  async checkpoints (): Promise<Checkpoint[]> {
    const out: Checkpoint[] = []
    for await (const { value } of this.db.iterator({ gte: Buffer.from([CHECKPOINT]), lt: Buffer.from([CHECKPOINT + 1]) })) out.push(decodeCheckpoint(value))
    return out
  }

  /** Add what was derived from the view up to `mark`, and drop checkpoints below `floor`. */
  async add (derived: Derived[], mark: Checkpoint, floor: number): Promise<void> {
    const w = this.db.write()
    try {
      for (const { seq, segments } of derived) {
        for (const { key, value } of segments) w.tryPut(key, value)
        w.tryPut(seqKey(DERIVED, seq), encodeKeys(segments.map((s) => s.key)))
      }
      const value = encodeCheckpoint(mark)
      w.tryPut(seqKey(CHECKPOINT, mark.length), value)
      w.tryPut(MARK, value)
      if (floor > 0) w.tryDeleteRange(seqKey(CHECKPOINT, 0), seqKey(CHECKPOINT, floor))
      await w.flush()
    } finally {
      w.destroy()
    }
  }

  /** Drop everything derived from view blocks at or after `mark.length`, in one batch with the mark. */
  async rollback (mark: Checkpoint): Promise<number> {
    const doomed: Buffer[] = []
    for await (const { value } of this.db.iterator({ gte: seqKey(DERIVED, mark.length), lt: Buffer.from([DERIVED + 1]) })) doomed.push(...decodeKeys(value))
    const w = this.db.write()
    try {
      for (const key of doomed) w.tryDelete(key)
      w.tryDeleteRange(seqKey(DERIVED, mark.length), Buffer.from([DERIVED + 1]))
      w.tryDeleteRange(seqKey(CHECKPOINT, mark.length + 1), Buffer.from([CHECKPOINT + 1]))
      const value = encodeCheckpoint(mark)
      w.tryPut(seqKey(CHECKPOINT, mark.length), value)
      w.tryPut(MARK, value)
      await w.flush()
    } finally {
      w.destroy()
    }
    return doomed.length
  }
}

/** The mark as `db` (the store or a snapshot of it) holds it, or null. */
export async function markIn (db: RocksDB): Promise<Checkpoint | null> {
  const value = await db.get(MARK)
  return value === null ? null : decodeCheckpoint(value)
}

/** Index segments `db` (the store or a snapshot of it) holds. */
export async function countSegments (db: RocksDB): Promise<number> {
  let n = 0
  for await (const _ of db.iterator({ gte: Buffer.from([FIRST_SEGMENT]), lt: Buffer.from([LAST_SEGMENT + 1]) })) n++
  return n
}

function seqKey (prefix: number, n: number): Buffer {
  const key = Buffer.allocUnsafe(9)
  key[0] = prefix
  key.writeBigUInt64BE(BigInt(n), 1)
  return key
}

function encodeCheckpoint ({ length, hash }: Checkpoint): Buffer {
  const out = Buffer.allocUnsafe(8 + hash.length)
  out.writeBigUInt64BE(BigInt(length), 0)
  hash.copy(out, 8)
  return out
}

function decodeCheckpoint (value: Buffer): Checkpoint {
  return { length: Number(value.readBigUInt64BE(0)), hash: value.subarray(8) }
}

function encodeKeys (keys: Buffer[]): Buffer {
  const out = Buffer.allocUnsafe(keys.reduce((n, k) => n + 2 + k.length, 0))
  let at = 0
  for (const k of keys) {
    out.writeUInt16BE(k.length, at)
    k.copy(out, at + 2)
    at += 2 + k.length
  }
  return out
}

function decodeKeys (value: Buffer): Buffer[] {
  const out: Buffer[] = []
  for (let at = 0; at < value.length;) {
    const n = value.readUInt16BE(at)
    out.push(value.subarray(at + 2, at + 2 + n))
    at += 2 + n
  }
  return out
}
