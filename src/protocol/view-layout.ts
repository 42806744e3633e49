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
 * | 0x08   | class 1, first ts 8, order writer 33, seq 8, first offset 4 | segment (layout 2)  |
 * | 0x09   | type length 1, type, class 1, first ts 8, order writer 33, seq, off | segment (layout 2) |
 * | 0x0a   | writer 32, class 1, first ts 8, seq 8, first offset 4 | segment (layout 2)         |
 * | 0x0b   | stream length 1, stream, class 1, first ts 8, order writer 33, seq, off | segment (layout 2) |
 *
 * A block record is `{ "o": [op, ...] }` where each op is `{ t, v, ts, d }` (type, protocol
 * version, device time, data), plus `x: { code, reason }` when that entry was rejected. A block
 * that could not be decoded at all is `{ "x": { code, reason } }`, addressed as offset 0.
 * Segments list accepted entries only.
 *
 * Layout 2 (blocks applied while the ledger runs protocol 6 or later; 0x02-0x04 and 0x07 keep
 * the blocks applied before): the same segments, one put each, but each index is split into
 * SPAN CLASSES by how wide a segment's timestamps are (last ts - first ts < 1, 16, 256, 4096 or
 * 60 000 ms: {@link SPAN_CLASSES}). A read merges one range per class, each looking back (or
 * ahead) only its own class's width, so a burst of narrow blocks costs the few segments at the
 * end of the read, not everything in the last minute. The writer is stored as its "order
 * writer": the z32 text's symbols ranked in character order and packed in 33 bytes, so key order
 * at equal timestamps is the order entries are returned in (ts, z32 writer, seq, offset), and a
 * reverse read of many entries at one timestamp stays bounded too.
 */

import { decodeKey, encodeKey } from '../keys.js'

const BLOCK = 0x01
const TIME = 0x02
const TYPE = 0x03
const WRITER = 0x04
const MEMBER = 0x05
const REJECTED = 0x06
const STREAM = 0x07
const TIME_2 = 0x08
const TYPE_2 = 0x09
const WRITER_2 = 0x0a
const STREAM_2 = 0x0b

/** The first protocol whose blocks are indexed in layout 2. */
export const LAYOUT_2_PROTOCOL = 6


const ORDER_WRITER_BYTES = 33
const Z32 = 'ybndrfg8ejkmcpqxot1uwisza345h769'
const Z32_SORTED = [...Z32].sort().join('')
const Z32_RANK = new Map([...Z32_SORTED].map((c, i) => [c, i]))

const TS_BYTES = 8
const MAX_TS = Number.MAX_SAFE_INTEGER

/** No index segment spans more than this many ms of timestamps. */
export const SEGMENT_SPAN = 60_000

/**
 * Class c of layout 2 holds the segments whose last ts - first ts is below SPAN_CLASSES[c]; the
 * widest is SEGMENT_SPAN, which putSegments (router.ts) never lets a segment reach.
 */
export const SPAN_CLASSES: readonly number[] = [1, 16, 256, 4096, SEGMENT_SPAN]

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
  /** The writer as z32 text, the order entries tie-break on. */
  id: string
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

/** Decode any segment key, of either layout. */
export function decodeSegmentKey (key: Buffer): SegmentKey {
  if (key[0] === WRITER || key[0] === WRITER_2) {
    const at = key[0] === WRITER ? 33 : 34
    const writer = key.subarray(1, 33)
    return { writer, id: encodeKey(writer), firstTs: Number(key.readBigUInt64BE(at)), seq: Number(key.readBigUInt64BE(at + 8)) }
  }
  if (key[0] === TIME_2 || key[0] === TYPE_2 || key[0] === STREAM_2) {
    const at = key.length - 12 - ORDER_WRITER_BYTES - TS_BYTES
    const id = idOfOrder(key.subarray(at + TS_BYTES, at + TS_BYTES + ORDER_WRITER_BYTES))
    return {
      firstTs: Number(key.readBigUInt64BE(at)),
      writer: decodeKey(id),
      id,
      seq: Number(key.readBigUInt64BE(at + TS_BYTES + ORDER_WRITER_BYTES))
    }
  }
  const at = key.length - 44 - TS_BYTES
  const writer = key.subarray(at + TS_BYTES, at + TS_BYTES + 32)
  return { firstTs: Number(key.readBigUInt64BE(at)), writer, id: encodeKey(writer), seq: Number(key.readBigUInt64BE(at + TS_BYTES + 32)) }
}

/**
 * Key of one index segment for a block applied while protocol `active` runs: layout 1 below
 * {@link LAYOUT_2_PROTOCOL} (byte for byte what older code writes), else layout 2, in the class
 * of the segment's span `lastTs - firstTs` (less than SEGMENT_SPAN, see router.ts putSegments).
 */
export function indexKey (
  active: number, index: IndexName, name: string, firstTs: number, lastTs: number, writer: Buffer, seq: number, firstOffset: number
): Buffer {
  if (active < LAYOUT_2_PROTOCOL) return segmentKey(index, name, firstTs, writer, seq, firstOffset)
  const cls = spanClass(lastTs - firstTs)
  if (index === 'writer') {
    const key = Buffer.allocUnsafe(1 + 32 + 1 + TS_BYTES + 12)
    key[0] = WRITER_2
    writer.copy(key, 1)
    key[33] = cls
    key.writeBigUInt64BE(BigInt(firstTs), 34)
    key.writeBigUInt64BE(BigInt(seq), 42)
    key.writeUInt32BE(firstOffset, 50)
    return key
  }
  const prefix = layout2Prefix(index, name, cls)
  const key = Buffer.allocUnsafe(prefix.length + TS_BYTES + ORDER_WRITER_BYTES + 12)
  prefix.copy(key, 0)
  let at = prefix.length
  key.writeBigUInt64BE(BigInt(firstTs), at)
  at += TS_BYTES
  orderWriter(writer).copy(key, at)
  at += ORDER_WRITER_BYTES
  key.writeBigUInt64BE(BigInt(seq), at)
  key.writeUInt32BE(firstOffset, at + 8)
  return key
}

/** The class of layout 2 a segment spanning `span` ms (last ts - first ts) belongs to. */
export function spanClass (span: number): number {
  for (let c = 0; c < SPAN_CLASSES.length; c++) if (span < SPAN_CLASSES[c]) return c
  return SPAN_CLASSES.length - 1
}

/**
 * One range of segment keys a query merges. Every segment in it holds entries with timestamps in
 * `[firstTs, firstTs + width)`; when `ordered`, segments with equal first timestamps are in entry
 * order (z32 writer, seq) too, so ties at a timestamp resolve in key order.
 */
export interface SegmentStream {
  range: KeyRange
  width: number
  ordered: boolean
}

/**
 * The ranges that hold every segment of one index with an entry in `[since, until)`: the layout-1
 * range and one per layout-2 span class, each starting its own width before `since`.
 */
export function segmentStreams (index: IndexName, since: number, until: number, filter: { type?: string, writer?: Buffer, stream?: string } = {}): SegmentStream[] {
  const from = (width: number): number => Math.max(0, since - width + 1)
  const streams: SegmentStream[] = [{ range: segmentRange(index, from(SEGMENT_SPAN), until, filter), width: SEGMENT_SPAN, ordered: false }]
  SPAN_CLASSES.forEach((width, cls) => {
    const prefix = index === 'writer'
      ? Buffer.concat([Buffer.from([WRITER_2]), filter.writer ?? Buffer.alloc(32), Buffer.from([cls])])
      : layout2Prefix(index, index === 'type' ? filter.type ?? '' : filter.stream ?? '', cls)
    streams.push({ range: { gte: tsBound(prefix, from(width)), lt: tsBound(prefix, until) }, width, ordered: true })
  })
  return streams
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

function layout2Prefix (index: Exclude<IndexName, 'writer'>, name: string, cls: number): Buffer {
  if (index === 'time') return Buffer.from([TIME_2, cls])
  const bytes = Buffer.from(name, 'utf8')
  return Buffer.concat([Buffer.from([index === 'type' ? TYPE_2 : STREAM_2, bytes.length]), bytes, Buffer.from([cls])])
}

/** The writer's z32 symbols, ranked in character order and packed 5 bits each: byte order = z32 text order. */
export function orderWriter (writer: Buffer): Buffer {
  const text = encodeKey(writer)
  const out = Buffer.alloc(ORDER_WRITER_BYTES)
  let acc = 0
  let bits = 0
  let o = 0
  for (const ch of text) {
    acc = (acc << 5) | (Z32_RANK.get(ch) as number)
    bits += 5
    if (bits >= 8) {
      bits -= 8
      out[o++] = (acc >>> bits) & 0xff
      acc &= (1 << bits) - 1
    }
  }
  if (bits > 0) out[o] = (acc << (8 - bits)) & 0xff
  return out
}

/** The z32 text of the writer key an {@link orderWriter} encoding stands for. */
export function idOfOrder (packed: Buffer): string {
  let text = ''
  let acc = 0
  let bits = 0
  for (let i = 0; i < packed.length && text.length < 52; i++) {
    acc = (acc << 8) | packed[i]
    bits += 8
    while (bits >= 5 && text.length < 52) {
      bits -= 5
      text += Z32_SORTED[(acc >>> bits) & 31]
    }
    acc &= (1 << bits) - 1
  }
  return text
}
