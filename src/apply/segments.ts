/**
 * A block's index segments (view-layout.ts): its accepted entries of one index, split so no
 * segment spans {@link SEGMENT_SPAN} ms of timestamps. Apply writes them into the view for blocks
 * applied before {@link LOCAL_INDEX_PROTOCOL}; from that protocol on they are not replicated and
 * each device derives them from the block record alone (view/local-index.ts). Both paths compute
 * them here, so the keys and values are the same bytes whichever holds them.
 */
import type { BlockRecord } from '../protocol/entry.js'
import { SEGMENT_SPAN, indexKey, type IndexName } from '../protocol/view-layout.js'
import { streamOf } from './telemetry.js'

/**
 * The first protocol whose index segments are derived locally instead of written into the view:
 * its block records carry `a` (the protocol they were applied under), so a device reading the
 * view knows which records to index.
 */
export const LOCAL_INDEX_PROTOCOL = 7

/** An accepted entry of a block, as the indexes need it. */
export interface Accepted { offset: number, type: string, ts: number, stream?: string }

/** One segment: its key (layout of the active protocol) and value `[[offset, ts], ...]`. */
export interface Segment { key: Buffer, value: Buffer }

/** The accepted entry of one op (apply calls this as it accepts the op). */
export function accepted (offset: number, type: string, ts: number, data: unknown): Accepted {
  return { offset, type, ts, stream: streamOf(type, data) }
}

/**
 * Every segment of a block applied while protocol `active` runs: time, writer, then each type
 * and each stream in order of first appearance.
 */
export function blockSegments (active: number, writer: Buffer, seq: number, items: Accepted[]): Segment[] {
  if (items.length === 0) return []
  const out: Segment[] = []
  indexSegments(out, active, 'time', '', writer, seq, items)
  indexSegments(out, active, 'writer', '', writer, seq, items)
  for (const [type, list] of groupBy(items, (a) => a.type)) indexSegments(out, active, 'type', type, writer, seq, list)
  for (const [stream, list] of groupBy(items, (a) => a.stream)) indexSegments(out, active, 'stream', stream, writer, seq, list)
  return out
}

/**
 * The segments a device derives locally from a block record, or none: only records of blocks
 * applied under {@link LOCAL_INDEX_PROTOCOL} or later (`a`) have no segments in the view. A held
 * block has none until released, when apply writes its record again.
 */
export function recordSegments (writer: Buffer, seq: number, record: BlockRecord): Segment[] {
  if (record.a === undefined || record.a < LOCAL_INDEX_PROTOCOL || record.held !== undefined || record.o === undefined) return []
  const items: Accepted[] = []
  record.o.forEach((op, offset) => {
    if (op.x === undefined) items.push(accepted(offset, op.t as string, op.ts as number, op.d))
  })
  return blockSegments(record.a, writer, seq, items)
}

function groupBy (items: Accepted[], by: (a: Accepted) => string | undefined): Map<string, Accepted[]> {
  const groups = new Map<string, Accepted[]>()
  for (const a of items) {
    const k = by(a)
    if (k === undefined) continue
    const list = groups.get(k)
    if (list === undefined) groups.set(k, [a])
    else list.push(a)
  }
  return groups
}

/** One index's segments of a block, each sorted by (ts, offset). */
function indexSegments (out: Segment[], active: number, index: IndexName, name: string, writer: Buffer, seq: number, items: Accepted[]): void {
  const sorted = [...items].sort((x, y) => x.ts - y.ts || x.offset - y.offset)
  let start = 0
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i].ts - sorted[start].ts < SEGMENT_SPAN) continue
    const segment = sorted.slice(start, i)
    const key = indexKey(active, index, name, segment[0].ts, segment[segment.length - 1].ts, writer, seq, segment[0].offset)
    out.push({ key, value: Buffer.from(JSON.stringify(segment.map((s) => [s.offset, s.ts]))) })
    start = i
  }
}
