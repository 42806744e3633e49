/**
 * Entries as callers see them, decoded from view records.
 */
import { formatId, type EntryAddress, type EntryId } from './entry-id.js'
import { encodeKey, type DeviceKey } from './keys.js'
import type { RejectionCode } from './ops.js'

/**
 * Where an entry stands:
 * - `pending`: in its writer's log, not yet in this device's view;
 * - `applied`: in the view, but a reorder may still move or undo it;
 * - `confirmed`: in the view prefix signed by a majority of indexers: it will never change;
 * - `rejected`: applied as a refusal, see `rejection`.
 */
export type EntryStatus = 'pending' | 'applied' | 'confirmed' | 'rejected'

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

interface StoredRecord {
  t?: string
  v?: number
  ts?: number
  d?: unknown
  x?: { code: RejectionCode, reason: string }
}

/**
 * Decode a view record. `nodeSeq` is the view block that holds it; `signedLength` the view's
 * quorum-signed length (a record below it is final).
 */
export function decodeEntry (addr: EntryAddress, value: Buffer, nodeSeq: number, signedLength: number): Entry {
  const record = JSON.parse(value.toString('utf8')) as StoredRecord
  const final = nodeSeq < signedLength
  const entry: Entry = {
    id: formatId(addr.writer, addr.seq, addr.offset),
    writer: encodeKey<DeviceKey>(addr.writer),
    seq: addr.seq,
    offset: addr.offset,
    type: record.t ?? '',
    version: record.v ?? 0,
    timestamp: record.ts ?? 0,
    data: record.d ?? null,
    status: record.x !== undefined ? 'rejected' : final ? 'confirmed' : 'applied'
  }
  if (record.x !== undefined) entry.rejection = { ...record.x, final }
  return entry
}
