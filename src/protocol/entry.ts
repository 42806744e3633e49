/**
 * Entries as callers see them, decoded from view records.
 */
import { formatId, type EntryId } from './entry-id.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import type { RejectionCode } from './vocabulary.js'

/**
 * Where an entry stands:
 * - `pending`: in its writer's log, not yet in this device's view;
 * - `applied`: in the view, but a reorder may still move or undo it;
 * - `confirmed`: in the view prefix signed by a majority of indexers: it will never change;
 * - `rejected`: applied as a refusal, see `rejection`;
 * - `held`: written by a quarantined device: kept for review, not applied (until released).
 */
export type EntryStatus = 'pending' | 'applied' | 'confirmed' | 'rejected' | 'held'

/** Why an entry was rejected; `final` once the rejection is in the signed prefix. */
export interface Rejection {
  code: RejectionCode
  reason: string
  final: boolean
}

/** An entry of the ledger. */
export interface Entry {
  /** `<writer>.<seq>.<offset>`: stable, and enough to prove the entry. */
  id: EntryId
  /** The device that wrote (and signed) it. */
  writer: DeviceKey
  /** Block index in the writer's log. */
  seq: number
  /** Position inside that block. */
  offset: number
  type: string
  /** Protocol version the op was written under. */
  version: number
  /** The writing device's clock (ms since the epoch) when it appended; not trusted. */
  timestamp: number
  data: unknown
  status: EntryStatus
  /** Present when `status` is `rejected`. */
  rejection?: Rejection
}

/** One op as the view's block record stores it. */
interface StoredOp {
  t?: string
  v?: number
  ts?: number
  d?: unknown
  x?: { code: RejectionCode, reason: string }
}

/** A block record: its ops, or why the whole block was refused. */
export interface BlockRecord {
  o?: StoredOp[]
  x?: { code: RejectionCode, reason: string }
  /** Set while the block is held (its writer is quarantined); `o` then holds the ops as written. */
  held?: { by: string, reason?: string }
  /**
   * The block's protocol: kept for held blocks so release applies them as written, and for
   * blocks refused whole with PROTOCOL_NOT_ACTIVE.
   */
  p?: number
  /**
   * The protocol the block was applied under, written from protocol 7 on (apply/segments.ts
   * LOCAL_INDEX_PROTOCOL): its index segments are then not in the view but derived by each device.
   */
  a?: number
}

/** Parse a block record from the view. */
export function decodeBlockRecord (value: Buffer): BlockRecord {
  return JSON.parse(value.toString('utf8')) as BlockRecord
}

/** Number of entries a block record addresses (a refused block counts as one). */
export function entryCount (record: BlockRecord): number {
  return record.o?.length ?? 1
}

/**
 * The entry at `offset` of a block record, or null. `nodeSeq` is the view block holding the
 * record; `signedLength` the view's quorum-signed length (a record below it is final).
 */
export function entryOfBlock (
  writer: Buffer, seq: number, offset: number, record: BlockRecord, nodeSeq: number, signedLength: number
): Entry | null {
  if (record.held !== undefined) return heldEntry(writer, seq, offset, record)
  const op: StoredOp | undefined = record.o === undefined ? (offset === 0 ? { x: record.x, v: record.p } : undefined) : record.o[offset]
  if (op === undefined) return null
  const final = nodeSeq < signedLength
  const entry: Entry = {
    id: formatId(writer, seq, offset),
    writer: encodeKey<DeviceKey>(writer),
    seq,
    offset,
    type: op.t ?? '',
    version: op.v ?? 0,
    timestamp: op.ts ?? 0,
    data: op.d ?? null,
    status: op.x !== undefined ? 'rejected' : final ? 'confirmed' : 'applied'
  }
  if (op.x !== undefined) entry.rejection = { ...op.x, final }
  return entry
}

/** Every entry of a block record, in log order. */
export function entriesOfBlock (writer: Buffer, seq: number, record: BlockRecord, nodeSeq: number, signedLength: number): Entry[] {
  const out: Entry[] = []
  for (let i = 0; i < entryCount(record); i++) {
    const entry = entryOfBlock(writer, seq, i, record, nodeSeq, signedLength)
    if (entry !== null) out.push(entry)
  }
  return out
}

function heldEntry (writer: Buffer, seq: number, offset: number, record: BlockRecord): Entry | null {
  const op = (record.o as unknown as Array<{ t?: unknown, s?: unknown, d?: unknown }> | undefined)?.[offset]
  if (op === undefined) return null
  return {
    id: formatId(writer, seq, offset),
    writer: encodeKey<DeviceKey>(writer),
    seq,
    offset,
    type: typeof op.t === 'string' ? op.t : '',
    version: record.p ?? 0,
    timestamp: typeof op.s === 'number' ? op.s : 0,
    data: op.d ?? null,
    status: 'held'
  }
}
