/**
 * `ledger.query()`: a range read over the index that fits the filter best, never a scan.
 * With `stream` the stream index is read, else with `type` the type index, else with `writer` the
 * writer index, else the time index; other filters given alongside skip what does not match.
 *
 * Index keys are per block segment (see view-layout.ts), ordered by the segment's first
 * timestamp, and every segment of a range spans less than that range's width (SEGMENT_SPAN for
 * layout 1; its span class for layout 2). A query merges the ranges (layout 1 and each class of
 * layout 2), each read in key order in the query's direction, through a small buffer: an entry
 * is emitted once no unread segment of any range can come before it. Forward, no unread segment
 * of a range holds an entry before the next one's first timestamp `m`; reverse, none holds one
 * at or after `m + width`. Entries are buffered as addresses and read from their block only when
 * emitted, so memory stays that of the segments overlapping the read's edge. Each range is a
 * Hyperbee range iterator that reads one segment per step: a stream would read ahead, and a
 * forward iterator without a limit preloads up to 2,048 nodes of the range.
 */
import type Hyperbee from 'hyperbee'
import type RocksDB from 'rocksdb-native'
import { decodeBlockRecord, entryOfBlock, type BlockRecord, type Entry } from '../protocol/entry.js'
import { MeshledgerError } from '../errors.js'
import { Heap } from './heap.js'
import { decodeKey, type KeyInput } from '../keys.js'
import type { LocalIndex } from './local-index.js'
import { blockKey, clampTs, decodeSegmentKey, segmentStreams, type IndexName, type SegmentKey, type SegmentStream } from '../protocol/view-layout.js'

/** Filters of `ledger.query()`; times are ms since the epoch, `since <= timestamp < until`. */
export interface QueryOptions {
  type?: string
  /** Telemetry stream (readings recorded with `ledger.record(stream, ...)`). */
  stream?: string
  writer?: KeyInput
  since?: number
  until?: number
  /** At most this many entries. */
  limit?: number
  /** Newest first. */
  reverse?: boolean
}

/**
 * An entry's place in query order: ties on timestamp break by writer (z32 text), then position
 * in its log, the same order on every peer. Also a bound, with seq/offset at +-Infinity.
 */
interface Place {
  ts: number
  id: string
  seq: number
  offset: number
}

interface Pending extends Place {
  writer: Buffer
}

/** A range read one segment per `next()`: the view's (Hyperbee) or the local index's (RocksDB). */
interface SegmentIterator {
  readonly opened: boolean
  open (): Promise<void>
  next (): Promise<{ key: Buffer, value: Buffer } | null>
  close (): Promise<void>
}

interface Cursor {
  iterator: SegmentIterator
  stream: SegmentStream
  head: { key: Buffer, value: Buffer, segment: SegmentKey, bound: Place } | null
}

type Blocks = Map<string, { record: BlockRecord, nodeSeq: number } | null>

/**
 * A limit no range reaches. Given any limit, Hyperbee's range iterator reads one node per
 * `next()`; without one it preloads up to 2,048 nodes ahead of a forward read.
 */
const UNBOUNDED = Number.MAX_SAFE_INTEGER

/** Greater than every z32 key text. */
const TOP = '\uffff'

/**
 * Run a query against a view and, for blocks applied under protocol 7, this device's local index
 * (view/local-index.ts), caught up to the view's length first; reads one consistent snapshot of each.
 */
export async function * queryEntries (view: Hyperbee, options: QueryOptions, local: LocalIndex | null = null): AsyncGenerator<Entry> {
  const { type, limit, reverse = false } = options
  if (options.since !== undefined && !Number.isFinite(options.since)) throw MeshledgerError.invalidOption('since is a time in ms')
  if (options.until !== undefined && !Number.isFinite(options.until)) throw MeshledgerError.invalidOption('until is a time in ms')
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) throw MeshledgerError.invalidOption('limit is a non-negative integer')
  if (type !== undefined && typeof type !== 'string') throw MeshledgerError.invalidOption('type is a string')
  const writer = options.writer === undefined ? undefined : decodeKey(options.writer, 'writer')
  const since = clampTs(options.since ?? 0)
  const until = clampTs(options.until ?? Number.MAX_SAFE_INTEGER)
  if (limit === 0 || since >= until) return

  const stream = options.stream
  if (stream !== undefined && typeof stream !== 'string') throw MeshledgerError.invalidOption('stream is a string')
  const index: IndexName = stream !== undefined ? 'stream' : type !== undefined ? 'type' : writer !== undefined ? 'writer' : 'time'

  const { snapshot, indexed, signedLength } = await snapshots(view, local)
  const cursors: Cursor[] = []
  for (const s of segmentStreams(index, since, until, { type, writer, stream })) {
    if (Buffer.compare(s.range.gte, s.range.lt) >= 0) continue
    cursors.push({ iterator: snapshot.createRangeIterator({ ...s.range, reverse, limit: UNBOUNDED }), stream: s, head: null })
    if (indexed !== null && s.ordered) cursors.push({ iterator: rocksIterator(indexed, s.range, reverse), stream: s, head: null })
  }
  const blocks: Blocks = new Map()
  const buffer = new Heap<Pending>((a, b) => reverse ? compare(b, a) : compare(a, b))
  let emitted = 0
  try {
    // Settle every first read before failing on one: a read left pending when the streams are
    // closed below would reject with no one to hear it (a damaged block fails them all).
    const first = await Promise.allSettled(cursors.map(async (c) => advance(c, reverse)))
    for (const r of first) if (r.status === 'rejected') throw r.reason
    while (true) {
      // The range whose next segment may hold the next entry; everything buffered before its bound is final.
      let next: Cursor | null = null
      for (const c of cursors) {
        if (c.head === null) continue
        if (next === null || (reverse ? compare(c.head.bound, (next.head as NonNullable<Cursor['head']>).bound) > 0 : compare(c.head.bound, (next.head as NonNullable<Cursor['head']>).bound) < 0)) next = c
      }
      const bound = next?.head?.bound
      while (buffer.size > 0 && (bound === undefined || (reverse ? compare(buffer.peek(), bound) > 0 : compare(buffer.peek(), bound) < 0))) {
        const entry = await materialize(snapshot, blocks, buffer.pop(), signedLength)
        if (entry === null || (type !== undefined && entry.type !== type)) continue
        yield entry
        if (limit !== undefined && ++emitted >= limit) return
      }
      if (next === null) return
      const { segment, value } = next.head as NonNullable<Cursor['head']>
      if (writer === undefined || segment.writer.equals(writer)) {
        for (const [offset, ts] of JSON.parse(value.toString()) as Array<[number, number]>) {
          if (ts >= since && ts < until) buffer.push({ ts, id: segment.id, seq: segment.seq, offset, writer: segment.writer })
        }
      }
      await advance(next, reverse)
    }
  } finally {
    await Promise.all(cursors.map(async (c) => c.iterator.close()))
    await snapshot.close()
    await indexed?.close()
  }
}

/**
 * A snapshot of the view and, with a local index, one of the index caught up to it (layout 2's
 * ranges are read in both: in the view for blocks applied under protocol 6). A reorder between
 * the two would pair a view with an index of another view: taken again until none fell between.
 */
async function snapshots (view: Hyperbee, local: LocalIndex | null): Promise<{ snapshot: Hyperbee, indexed: RocksDB | null, signedLength: number }> {
  while (true) {
    const reorders = local?.reorders
    const signedLength = view.core.signedLength // a fresh snapshot reports 0 until it is ready
    const length = view.core.length
    const snapshot = view.snapshot()
    if (local === null) return { snapshot, indexed: null, signedLength }
    const indexed = await local.reader(length).catch(async (err: unknown) => { await snapshot.close(); throw err })
    if (local.reorders === reorders) return { snapshot, indexed, signedLength }
    await Promise.all([snapshot.close(), indexed.close()])
  }
}

/** A RocksDB range as a {@link SegmentIterator}; it reads a few entries ahead (they are small). */
function rocksIterator (db: RocksDB, range: { gte: Buffer, lt: Buffer }, reverse: boolean): SegmentIterator {
  const iterator = db.iterator({ ...range, reverse })
  const entries = iterator[Symbol.asyncIterator]()
  return {
    opened: true,
    async open () {},
    async next () {
      const step = await entries.next()
      return step.done === true ? null : step.value
    },
    async close () {
      iterator.destroy()
    }
  }
}

/** Read a range's next segment and the bound of what it and the rest of the range hold. */
async function advance (cursor: Cursor, reverse: boolean): Promise<void> {
  if (!cursor.iterator.opened) await cursor.iterator.open()
  const next = await cursor.iterator.next()
  if (next === null) {
    cursor.head = null
    return
  }
  const { key, value } = next
  const segment = decodeSegmentKey(key)
  const { width, ordered } = cursor.stream
  let bound: Place
  if (!reverse) {
    // Every unread entry is at or after (firstTs, writer, seq) when the key orders ties, else at or after firstTs.
    bound = ordered ? { ts: segment.firstTs, id: segment.id, seq: segment.seq, offset: -Infinity } : { ts: segment.firstTs, id: '', seq: -Infinity, offset: -Infinity }
  } else if (ordered && width === 1) {
    // Single-timestamp segments in entry order: every unread entry is at or before (firstTs, writer, seq).
    bound = { ts: segment.firstTs, id: segment.id, seq: segment.seq, offset: Infinity }
  } else {
    bound = { ts: segment.firstTs + width - 1, id: TOP, seq: Infinity, offset: Infinity }
  }
  cursor.head = { key, value, segment, bound }
}

function compare (a: Place, b: Place): number {
  return a.ts - b.ts || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0) || (a.seq === b.seq ? 0 : a.seq < b.seq ? -1 : 1) || (a.offset === b.offset ? 0 : a.offset < b.offset ? -1 : 1)
}

async function materialize (snapshot: Hyperbee, blocks: Blocks, pending: Pending, signedLength: number): Promise<Entry | null> {
  const id = `${pending.id}:${pending.seq}`
  let block = blocks.get(id)
  if (block === undefined) {
    const node = await snapshot.get(blockKey(pending.writer, pending.seq))
    block = node === null ? null : { record: decodeBlockRecord(node.value), nodeSeq: node.seq }
    if (blocks.size > 64) blocks.clear() // entries of one block come out together in practice
    blocks.set(id, block)
  }
  if (block === null) return null
  return entryOfBlock(pending.writer, pending.seq, pending.offset, block.record, block.nodeSeq, signedLength)
}
