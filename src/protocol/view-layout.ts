/**
 * The key layout of the Hyperbee view. A group commit travels as one block of its writer's log,
 * and the view keeps that grain: one record per block, and index keys per block SEGMENT (the
 * block's entries of one index, split so no segment spans more than {@link SEGMENT_SPAN} ms of
 * timestamps). That keeps the view to a few Hyperbee nodes per block, however many entries it
 * holds, while queries stay range reads (see query.ts for how segments are merged in time order).
 *
 * Keys are binary and big-endian, so byte order is the order a range read wants:
 *
 * | prefix | key                                               | value                          |
 * |--------|---------------------------------------------------|--------------------------------|
 * | 0x01   | writer 32, seq 8                                  | block record (JSON)            |
 * | 0x02   | first ts 8, writer 32, seq 8, first offset 4      | segment `[[offset, ts], ...]`  |
 * | 0x03   | type length 1, type, first ts 8, writer, seq, off | segment                        |
 * | 0x04   | writer 32, first ts 8, seq 8, first offset 4      | segment                        |
 * | 0x05   | member key 32                                     | member record (JSON)           |
 * | 0x06   | writer 32, seq 8, offset 4                        | empty: a rejected entry        |
 * | 0x07   | stream length 1, stream, first ts 8, writer, seq, off | segment of telemetry readings |
 *
 * A block record is `{ "o": [op, ...] }` where each op is `{ t, v, ts, d }` (type, protocol
 * version, device time, data), plus `x: { code, reason }` when that entry was rejected. A block
 * that could not be decoded at all is `{ "x": { code, reason } }`, addressed as offset 0.
 * Segments list accepted entries only.
 */

const BLOCK = 0x01
const TIME = 0x02
const TYPE = 0x03
const WRITER = 0x04
const MEMBER = 0x05
const REJECTED = 0x06
const STREAM = 0x07

const TS_BYTES = 8
const MAX_TS = Number.MAX_SAFE_INTEGER

/** No index segment spans more than this many ms of timestamps. */
export const SEGMENT_SPAN = 60_000

/** The empty value stored under marker keys. */
export const EMPTY = Buffer.alloc(0)

/** A `[gte, lt)` byte range over the view. */
export interface KeyRange {
  gte: Buffer
  lt: Buffer
}

/** Which index a segment key belongs to. */
export type IndexName = 'time' | 'type' | 'writer' | 'stream'

/** Where a segment's entries live, decoded from its key. */
export interface SegmentKey {
  writer: Buffer
  seq: number
  firstTs: number
}

/** Key of a block record. */
export function blockKey (writer: Buffer, seq: number): Buffer {
  const key = Buffer.allocUnsafe(1 + 32 + 8)
  key[0] = BLOCK
  writer.copy(key, 1)
  key.writeBigUInt64BE(BigInt(seq), 33)
  return key
}

/** Every block record of one writer, in log order. */
export function blockRange (writer: Buffer): KeyRange {
  const prefix = Buffer.concat([Buffer.from([BLOCK]), writer])
  return { gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(8, 0xff), Buffer.from([0])]) }
}

/** True when a view key is a block record. */
export function isBlockKey (key: Buffer): boolean {
  return key.length === 41 && key[0] === BLOCK
}

/** Writer and seq of a block-record key. */
export function addressOfBlockKey (key: Buffer): { writer: Buffer, seq: number } {
  return { writer: key.subarray(1, 33), seq: Number(key.readBigUInt64BE(33)) }
}

/** Key of one index segment. */
export function segmentKey (index: IndexName, name: string, firstTs: number, writer: Buffer, seq: number, firstOffset: number): Buffer {
  if (index === 'writer') {
    const key = Buffer.allocUnsafe(1 + 32 + TS_BYTES + 12)
    key[0] = WRITER
    writer.copy(key, 1)
    key.writeBigUInt64BE(BigInt(firstTs), 33)
    key.writeBigUInt64BE(BigInt(seq), 41)
    key.writeUInt32BE(firstOffset, 49)
    return key
  }
  const prefix = index === 'type' ? namePrefix(TYPE, name) : index === 'stream' ? namePrefix(STREAM, name) : Buffer.from([TIME])
  const key = Buffer.allocUnsafe(prefix.length + TS_BYTES + 44)
  prefix.copy(key, 0)
  key.writeBigUInt64BE(BigInt(firstTs), prefix.length)
  writer.copy(key, prefix.length + TS_BYTES)
  key.writeBigUInt64BE(BigInt(seq), prefix.length + TS_BYTES + 32)
  key.writeUInt32BE(firstOffset, prefix.length + TS_BYTES + 40)
  return key
}

/** Decode any segment key. */
export function decodeSegmentKey (key: Buffer): SegmentKey {
  if (key[0] === WRITER) {
    return { writer: key.subarray(1, 33), firstTs: Number(key.readBigUInt64BE(33)), seq: Number(key.readBigUInt64BE(41)) }
  }
  const at = key.length - 44 - TS_BYTES
  return {
    firstTs: Number(key.readBigUInt64BE(at)),
    writer: key.subarray(at + TS_BYTES, at + TS_BYTES + 32),
    seq: Number(key.readBigUInt64BE(at + TS_BYTES + 32))
  }
}

/** Segment keys of one index whose first timestamp is in `[from, to)`. */
export function segmentRange (index: IndexName, from: number, to: number, filter: { type?: string, writer?: Buffer, stream?: string } = {}): KeyRange {
  let prefix: Buffer
  if (index === 'type') prefix = namePrefix(TYPE, filter.type ?? '')
  else if (index === 'stream') prefix = namePrefix(STREAM, filter.stream ?? '')
  else if (index === 'writer') prefix = Buffer.concat([Buffer.from([WRITER]), filter.writer ?? Buffer.alloc(32)])
  else prefix = Buffer.from([TIME])
  return { gte: tsBound(prefix, from), lt: tsBound(prefix, to) }
}

/** Key of a rejected-entry marker. */
export function rejectedKey (writer: Buffer, seq: number, offset: number): Buffer {
  const key = Buffer.allocUnsafe(1 + 44)
  key[0] = REJECTED
  writer.copy(key, 1)
  key.writeBigUInt64BE(BigInt(seq), 33)
  key.writeUInt32BE(offset, 41)
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

/** Clamp a time to what keys can hold. */
export function clampTs (ts: number): number {
  return Math.min(Math.max(0, Math.floor(ts)), MAX_TS)
}

function namePrefix (prefix: number, name: string): Buffer {
  const bytes = Buffer.from(name, 'utf8')
  return Buffer.concat([Buffer.from([prefix, bytes.length]), bytes])
}

function tsBound (prefix: Buffer, ts: number): Buffer {
  const key = Buffer.allocUnsafe(prefix.length + TS_BYTES)
  prefix.copy(key, 0)
  key.writeBigUInt64BE(BigInt(clampTs(ts)), prefix.length)
  return key
}
