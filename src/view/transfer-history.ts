/**
 * Transfer history reads over both layouts of the view (state-layout.ts): a JSON object is one
 * transfer (the first layout), a JSON array a segment of `[n, transfer]` (protocol 6). Segments
 * are keyed by their first transfer and span less than TRANSFER_SEGMENT_SPAN ms, so a read starts
 * that much early and merges: an item is yielded once no segment still to come can sort before it.
 * The answer is the first layout's, item for item: since <= ts < until, ordered by
 * (ts, trigger address, n), forwards or in reverse.
 */
import type Hyperbee from 'hyperbee'
import type { Transfer } from '../apply/accounts.js'
import { parseId, type EntryAddress } from '../protocol/entry-id.js'
import { TRANSFER_SEGMENT_SPAN, compareTransferKeys, keyTime, ranges } from '../protocol/state-layout.js'
import type { KeyRange } from '../protocol/view-layout.js'

/** Bytes of an account transfer key before the time: prefix, length, name. */
function timeAt (key: Buffer, account: string | undefined): number {
  return account === undefined ? 1 : 2 + key[1]
}

interface Item { ts: number, trigger: EntryAddress, n: number, t: Transfer }

function itemsOf (value: Buffer, key: Buffer, at: number): Item[] {
  const parsed = JSON.parse(value.toString()) as Transfer | Array<[number, Transfer]>
  if (!Array.isArray(parsed)) {
    const trigger = { writer: key.subarray(at + 8, at + 40), seq: Number(key.readBigUInt64BE(at + 40)), offset: key.readUInt32BE(at + 48) }
    return [{ ts: keyTime(parsed.ts), trigger, n: key.readUInt16BE(at + 52), t: parsed }]
  }
  return parsed.map(([n, t]) => ({ ts: keyTime(t.ts), trigger: parseId(t.id), n, t }))
}

const order = (x: Item, y: Item): number => compareTransferKeys(x.ts, x.trigger, x.n, y.ts, y.trigger, y.n)

/** Transfers (and mints) with since <= ts < until, for one account or everyone. */
export async function * transferHistory (
  view: Hyperbee, account: string | undefined, since: number, until: number, limit?: number, reverse = false
): AsyncGenerator<Transfer> {
  if (limit === 0) return
  const lo = keyTime(since)
  const hi = keyTime(until)
  const from = Math.max(0, lo - TRANSFER_SEGMENT_SPAN + 1)
  const range: KeyRange = account === undefined ? ranges.transfers(from, hi) : ranges.accountTransfers(account, from, hi)
  const cmp = reverse ? (x: Item, y: Item) => order(y, x) : order
  // Forwards, the rest of the range starts at `bound` or later; in reverse, before bound + SPAN.
  // Kept sorted, so what is ready is always a prefix.
  const ready = (item: Item, bound: number): boolean => reverse ? item.ts >= bound + TRANSFER_SEGMENT_SPAN : item.ts < bound
  let pending: Item[] = []
  let head = 0
  let yielded = 0
  for await (const node of view.createReadStream({ ...range, reverse })) {
    const at = timeAt(node.key, account)
    const bound = Number(node.key.readBigUInt64BE(at))
    for (; head < pending.length && ready(pending[head], bound); head++) {
      yield pending[head].t
      if (limit !== undefined && ++yielded >= limit) return
    }
    const items = itemsOf(node.value, node.key, at).filter((item) => item.ts >= lo && item.ts < hi)
    if (items.length === 0) continue
    if (reverse) items.reverse()
    const unsorted = head < pending.length && cmp(pending[pending.length - 1], items[0]) > 0
    if (head > 0) {
      pending = pending.slice(head)
      head = 0
    }
    for (const item of items) pending.push(item)
    if (unsorted) pending.sort(cmp)
  }
  for (; head < pending.length; head++) {
    yield pending[head].t
    if (limit !== undefined && ++yielded >= limit) return
  }
}
