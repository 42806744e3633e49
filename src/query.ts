/**
 * `ledger.query()`: a range read over the index that fits the filter best, never a scan.
 * With `type` the type index is read, else with `writer` the writer index, else the time index;
 * when both `type` and `writer` are given, the type index is read and other writers are skipped.
 */
import type Hyperbee from 'hyperbee'
import { decodeEntry, type Entry } from './entry.js'
import { MeshledgerError } from './errors.js'
import { decodeKey, type KeyInput } from './keys.js'
import { addressOfIndexKey, entryKey, timeRange, typeRange, writerRange, type KeyRange } from './view-layout.js'

/** Filters of `ledger.query()`; times are ms since the epoch, `since <= timestamp < until`. */
export interface QueryOptions {
  type?: string
  writer?: KeyInput
  since?: number
  until?: number
  /** At most this many entries. */
  limit?: number
  /** Newest first. */
  reverse?: boolean
}

/** Run a query against a view; reads one consistent snapshot. */
export async function * queryEntries (view: Hyperbee, options: QueryOptions): AsyncGenerator<Entry> {
  const { type, since, until, limit, reverse = false } = options
  if (since !== undefined && !Number.isFinite(since)) throw MeshledgerError.invalidOption('since is a time in ms')
  if (until !== undefined && !Number.isFinite(until)) throw MeshledgerError.invalidOption('until is a time in ms')
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 0)) throw MeshledgerError.invalidOption('limit is a non-negative integer')
  if (type !== undefined && typeof type !== 'string') throw MeshledgerError.invalidOption('type is a string')
  const writer = options.writer === undefined ? null : decodeKey(options.writer, 'writer')

  let range: KeyRange
  if (type !== undefined) range = typeRange(type, since, until)
  else if (writer !== null) range = writerRange(writer, since, until)
  else range = timeRange(since, until)

  const snapshot = view.snapshot()
  try {
    const signedLength = snapshot.core.signedLength
    let count = 0
    if (limit === 0) return
    for await (const node of snapshot.createReadStream({ ...range, reverse })) {
      const addr = addressOfIndexKey(node.key)
      if (writer !== null && !addr.writer.equals(writer)) continue
      const record = await snapshot.get(entryKey(addr.writer, addr.seq, addr.offset))
      if (record === null) continue
      yield decodeEntry(addr, record.value, record.seq, signedLength)
      if (limit !== undefined && ++count >= limit) return
    }
  } finally {
    await snapshot.close()
  }
}
