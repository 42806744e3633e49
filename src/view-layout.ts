/**
 * The key layout of the Hyperbee view. Keys are binary and big-endian so that Hyperbee's byte
 * order is the order a range read wants:
 *
 * | prefix | key                                      | value          |
 * |--------|------------------------------------------|----------------|
 * | 0x01   | address (writer 32, seq 8, offset 4)     | entry record   |
 * | 0x02   | timestamp 8, address                     | empty          |
 * | 0x03   | type length 1, type, timestamp 8, address | empty         |
 * | 0x04   | writer 32, timestamp 8, seq 8, offset 4  | empty          |
 * | 0x05   | member key 32                            | member record  |
 * | 0x06   | address                                  | empty (rejected entries) |
 *
 * An entry record is JSON `{ t, v, ts, d }` (type, protocol version, device time, data), plus
 * `x: { code, reason }` when the entry was rejected. The indexes hold only accepted entries.
 */
import { ADDRESS_BYTES, readAddress, writeAddress, type EntryAddress } from './entry-id.js'

const ENTRY = 0x01
const TIME = 0x02
const TYPE = 0x03
const WRITER = 0x04
const MEMBER = 0x05
const REJECTED = 0x06

const TS_BYTES = 8
const MAX_TS = Number.MAX_SAFE_INTEGER

/** The empty value stored under index keys. */
export const EMPTY = Buffer.alloc(0)

/** A `[gte, lt)` byte range over the view. */
export interface KeyRange {
  gte: Buffer
  lt: Buffer
}

/** Key of an entry record. */
export function entryKey (writer: Buffer, seq: number, offset: number): Buffer {
  const key = Buffer.allocUnsafe(1 + ADDRESS_BYTES)
  key[0] = ENTRY
  writeAddress(key, 1, writer, seq, offset)
  return key
}

/** Time-index key. */
export function timeKey (ts: number, writer: Buffer, seq: number, offset: number): Buffer {
  const key = Buffer.allocUnsafe(1 + TS_BYTES + ADDRESS_BYTES)
  key[0] = TIME
  key.writeBigUInt64BE(BigInt(ts), 1)
  writeAddress(key, 1 + TS_BYTES, writer, seq, offset)
  return key
}

/** Type-index key. */
export function typeKey (type: string, ts: number, writer: Buffer, seq: number, offset: number): Buffer {
  const prefix = typePrefix(type)
  const key = Buffer.allocUnsafe(prefix.length + TS_BYTES + ADDRESS_BYTES)
  prefix.copy(key, 0)
  key.writeBigUInt64BE(BigInt(ts), prefix.length)
  writeAddress(key, prefix.length + TS_BYTES, writer, seq, offset)
  return key
}

/** Writer-index key. */
export function writerKey (ts: number, writer: Buffer, seq: number, offset: number): Buffer {
  const key = Buffer.allocUnsafe(1 + 32 + TS_BYTES + 12)
  key[0] = WRITER
  writer.copy(key, 1)
  key.writeBigUInt64BE(BigInt(ts), 33)
  key.writeBigUInt64BE(BigInt(seq), 41)
  key.writeUInt32BE(offset, 49)
  return key
}

/** Key of a rejected-entry marker. */
export function rejectedKey (writer: Buffer, seq: number, offset: number): Buffer {
  const key = entryKey(writer, seq, offset)
  key[0] = REJECTED
  return key
}

/** Key of a member record. */
export function memberKey (key: Buffer): Buffer {
  return Buffer.concat([Buffer.from([MEMBER]), key])
}

/** Every member record. */
export function memberRange (): KeyRange {
  return { gte: Buffer.from([MEMBER]), lt: Buffer.from([MEMBER + 1]) }
}

/** Every rejected-entry marker. */
export function rejectedRange (): KeyRange {
  return { gte: Buffer.from([REJECTED]), lt: Buffer.from([REJECTED + 1]) }
}

/** True when a view key is an entry record (used to follow the view's history). */
export function isEntryKey (key: Buffer): boolean {
  return key.length === 1 + ADDRESS_BYTES && key[0] === ENTRY
}

/** The address inside an entry-record or rejected-marker key. */
export function addressOfEntryKey (key: Buffer): EntryAddress {
  return readAddress(key, 1)
}

/** A time range (`since <= ts < until`) over the time index. */
export function timeRange (since = 0, until = MAX_TS): KeyRange {
  return { gte: tsBound(Buffer.from([TIME]), since), lt: tsBound(Buffer.from([TIME]), until) }
}

/** A time range over one type's index. */
export function typeRange (type: string, since = 0, until = MAX_TS): KeyRange {
  const prefix = typePrefix(type)
  return { gte: tsBound(prefix, since), lt: tsBound(prefix, until) }
}

/** A time range over one writer's index. */
export function writerRange (writer: Buffer, since = 0, until = MAX_TS): KeyRange {
  const prefix = Buffer.concat([Buffer.from([WRITER]), writer])
  return { gte: tsBound(prefix, since), lt: tsBound(prefix, until) }
}

/** The entry address an index key points at, for any of the three indexes. */
export function addressOfIndexKey (key: Buffer): EntryAddress {
  if (key[0] === WRITER) {
    return { writer: key.subarray(1, 33), seq: Number(key.readBigUInt64BE(41)), offset: key.readUInt32BE(49) }
  }
  return readAddress(key, key.length - ADDRESS_BYTES)
}

function typePrefix (type: string): Buffer {
  const name = Buffer.from(type, 'utf8')
  return Buffer.concat([Buffer.from([TYPE, name.length]), name])
}

function tsBound (prefix: Buffer, ts: number): Buffer {
  const key = Buffer.allocUnsafe(prefix.length + TS_BYTES)
  prefix.copy(key, 0)
  key.writeBigUInt64BE(BigInt(Math.min(Math.max(0, Math.floor(ts)), MAX_TS)), prefix.length)
  return key
}
