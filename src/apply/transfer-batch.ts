/**
 * The view's second layout (protocol 6) for money: what one node (one block of a writer's log)
 * does to balances, refs and transfer history is written once, when the node ends, instead of once
 * per transfer. Balances are written with their final value, refs as the first layout writes them; the node's transfers are written as
 * segments, JSON arrays of `[n, transfer]` sorted by (ts, trigger, n), each spanning less than
 * {@link TRANSFER_SEGMENT_SPAN} ms and stored under the key the old layout gave its first transfer
 * (everyone's history and each account's). Node boundaries are the same on every peer, so the
 * view is too; under an older protocol nothing is pending and this writes nothing.
 */
import type Hyperbee from 'hyperbee'
import type { EntryAddress } from '../protocol/entry-id.js'
import { TRANSFER_SEGMENT_SPAN, compareTransferKeys, keyTime, stateKeys } from '../protocol/state-layout.js'
import type { ApplyCache } from './context.js'
import type { PendingTransfer, Transfer } from './money-types.js'

/** The first protocol whose view writes money per node. */
export const NODE_MONEY_PROTOCOL = 6

/** Queue a transfer of the current node. */
export function queueTransfer (cache: ApplyCache, t: Transfer, trigger: EntryAddress, n: number): void {
  cache.money.transfers.push({ trigger, n, json: JSON.stringify(t), ts: t.ts, from: t.from, to: t.to })
}

/** Write what the node changed: final balances, refs, then history segments. Called when a node ends. */
export async function flushMoney (batch: Hyperbee.Batch, cache: ApplyCache): Promise<void> {
  const { balances, refs, transfers } = cache.money
  if (balances.size === 0 && refs.size === 0 && transfers.length === 0) return
  for (const account of [...balances].sort()) {
    await batch.put(stateKeys.balance(account), Buffer.from(String(cache.balances.get(account) as number)))
  }
  balances.clear()
  for (const key of [...refs.keys()].sort()) await batch.put(Buffer.from(key, 'hex'), Buffer.from(refs.get(key) as string))
  refs.clear()
  if (transfers.length === 0) return
  const sorted = transfers.splice(0).sort((x, y) => compareTransferKeys(x.ts, x.trigger, x.n, y.ts, y.trigger, y.n))
  await putSegments(batch, sorted, (first) => stateKeys.transfer(first.ts, first.trigger, first.n))
  const byAccount = new Map<string, PendingTransfer[]>()
  for (const t of sorted) {
    for (const account of t.from === null ? [t.to] : [t.from, t.to]) {
      const list = byAccount.get(account)
      if (list === undefined) byAccount.set(account, [t])
      else list.push(t)
    }
  }
  for (const account of [...byAccount.keys()].sort()) {
    await putSegments(batch, byAccount.get(account) as PendingTransfer[], (first) => stateKeys.accountTransfer(account, first.ts, first.trigger, first.n))
  }
}

async function putSegments (batch: Hyperbee.Batch, sorted: PendingTransfer[], keyOf: (first: PendingTransfer) => Buffer): Promise<void> {
  let start = 0
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && keyTime(sorted[i].ts) - keyTime(sorted[start].ts) < TRANSFER_SEGMENT_SPAN) continue
    const items = sorted.slice(start, i).map((t) => `[${t.n},${t.json}]`)
    await batch.put(keyOf(sorted[start]), Buffer.from(`[${items.join(',')}]`))
    start = i
  }
}
