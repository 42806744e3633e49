/**
 * What the live view says about one writer: its entries, how many were rejected and why, how
 * many are held (quarantine), and the device times of its first and last entry. One range read
 * over the writer's block records (view-layout.ts), which carry every entry and its rejection.
 */
import type Hyperbee from 'hyperbee'
import { decodeBlockRecord, entryCount, type BlockRecord } from '../protocol/entry.js'
import { blockRange } from '../protocol/view-layout.js'
import type { WriterCounts } from './report.js'

/** Per-writer counts from the view. */
export interface WriterStats extends WriterCounts {
  /** View blocks holding a record of this writer that does not decode (the view is damaged). */
  unreadable: number[]
}

/** Count `writer`'s entries in `view`. */
export async function writerStats (view: Hyperbee, writer: Buffer): Promise<WriterStats> {
  const stats: WriterStats = { entries: 0, rejected: 0, rejections: {}, held: 0, first: null, last: null, unreadable: [] }
  const seen = (ts: unknown): void => {
    if (typeof ts !== 'number' || !Number.isFinite(ts)) return
    if (stats.first === null || ts < stats.first) stats.first = ts
    if (stats.last === null || ts > stats.last) stats.last = ts
  }
  for await (const node of view.createReadStream(blockRange(writer))) {
    let record: BlockRecord
    try {
      record = decodeBlockRecord(node.value)
    } catch {
      stats.unreadable.push(node.seq)
      continue
    }
    const count = entryCount(record)
    stats.entries += count
    if (record.held !== undefined) {
      // Held blocks keep the ops as written: the device time is `s`.
      stats.held += count
      for (const op of (record.o ?? []) as Array<{ s?: unknown }>) seen(op.s)
      continue
    }
    if (record.o === undefined) {
      reject(stats, record.x?.code ?? 'MALFORMED_BLOCK')
      continue
    }
    for (const op of record.o) {
      seen(op.ts)
      if (op.x !== undefined) reject(stats, op.x.code)
    }
  }
  return stats
}

function reject (stats: WriterStats, code: string): void {
  stats.rejected++
  stats.rejections[code] = (stats.rejections[code] ?? 0) + 1
}
