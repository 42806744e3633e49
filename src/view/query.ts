/**
 * `ledger.query()`: a range read over the index that fits the filter best, never a scan.
 * With `stream` the stream index is read, else with `type` the type index, else with `writer` the
 * writer index, else the time index; other filters given alongside skip what does not match.
 *
 * Index keys are per block segment (see view-layout.ts), ordered by the segment's first
 * timestamp, and a segment spans less than SEGMENT_SPAN ms. So entries come out in exact
 * timestamp order through a small merge buffer: once a segment starting at `m` is read, no later
 * segment holds an entry before `m` (forward), or at or after `m + SEGMENT_SPAN` (reverse).
 */
import type Hyperbee from 'hyperbee'
import { decodeBlockRecord, entryOfBlock, type BlockRecord, type Entry } from '../protocol/entry.js'
import { MeshledgerError } from '../errors.js'
import { decodeKey, type KeyInput } from '../keys.js'
import { SEGMENT_SPAN, blockKey, clampTs, decodeSegmentKey, segmentRange, type IndexName } from '../protocol/view-layout.js'

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

interface Pending {
  ts: number
  order: string
  entry: Entry
}

/** Run a query against a view; reads one consistent snapshot. */
export async function * queryEntries (view: Hyperbee, options: QueryOptions): AsyncGenerator<Entry> {
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
  const range = segmentRange(index, Math.max(0, since - SEGMENT_SPAN + 1), until, { type, writer, stream })

  const signedLength = view.core.signedLength // a fresh snapshot reports 0 until it is ready
  const snapshot = view.snapshot()
  const blocks = new Map<string, { record: BlockRecord, nodeSeq: number }>()
  const buffer: Pending[] = [] // sorted in emission order
  let emitted = 0
  try {
    for await (const node of snapshot.createReadStream({ ...range, reverse })) {
      const segment = decodeSegmentKey(node.key)
      if (writer !== undefined && !segment.writer.equals(writer)) continue
      // Everything buffered that no later segment can precede is final: emit it.
      const safe = reverse ? segment.firstTs + SEGMENT_SPAN : segment.firstTs
      while (buffer.length > 0 && (reverse ? buffer[0].ts >= safe : buffer[0].ts < safe)) {
        yield (buffer.shift() as Pending).entry
        if (limit !== undefined && ++emitted >= limit) return
      }
      const block = await loadBlock(snapshot, blocks, segment.writer, segment.seq)
      if (block === null) continue
      for (const [offset, ts] of JSON.parse(node.value.toString()) as Array<[number, number]>) {
        if (ts < since || ts >= until) continue
        const entry = entryOfBlock(segment.writer, segment.seq, offset, block.record, block.nodeSeq, signedLength)
        if (entry !== null && (type === undefined || entry.type === type)) insert(buffer, { ts, order: orderKey(entry), entry }, reverse)
      }
    }
    for (const pending of buffer) {
      yield pending.entry
      if (limit !== undefined && ++emitted >= limit) return
    }
  } finally {
    await snapshot.close()
  }
}

async function loadBlock (
  snapshot: Hyperbee, cache: Map<string, { record: BlockRecord, nodeSeq: number }>, writer: Buffer, seq: number
): Promise<{ record: BlockRecord, nodeSeq: number } | null> {
  const id = `${writer.toString('hex')}:${seq}`
  const cached = cache.get(id)
  if (cached !== undefined) return cached
  const node = await snapshot.get(blockKey(writer, seq))
  if (node === null) return null
  const block = { record: decodeBlockRecord(node.value), nodeSeq: node.seq }
  if (cache.size > 64) cache.clear() // segments of one block are adjacent in practice
  cache.set(id, block)
  return block
}

/** Ties on timestamp break by writer, then position in its log: the same order on every peer. */
function orderKey (entry: Entry): string {
  return `${entry.writer}:${entry.seq.toString().padStart(16, '0')}:${entry.offset.toString().padStart(8, '0')}`
}

function insert (buffer: Pending[], item: Pending, reverse: boolean): void {
  const before = (a: Pending, b: Pending): boolean => {
    const c = a.ts - b.ts || (a.order < b.order ? -1 : a.order > b.order ? 1 : 0)
    return reverse ? c > 0 : c < 0
  }
  let lo = 0
  let hi = buffer.length
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (before(buffer[mid], item)) lo = mid + 1
    else hi = mid
  }
  buffer.splice(lo, 0, item)
}
