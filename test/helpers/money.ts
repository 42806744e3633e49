/**
 * Money in the raw view, read without the ledger's read path: every transfer record of either
 * layout (a JSON object per transfer, or a protocol-6 segment of `[n, transfer]`), in key order.
 */
import type Hyperbee from 'hyperbee'
import type { Ledger, Transfer } from '../../src/index.js'
import { parseId } from '../../src/protocol/entry-id.js'
import { compareTransferKeys, keyTime } from '../../src/protocol/state-layout.js'
import { viewOf } from './internals.js'

const BALANCE = 0x10
const ACCOUNT_TRANSFER = 0x13
const TRANSFER = 0x14

/** Every transfer the view holds for `account` (or everyone), sorted as the first layout sorts them. */
export async function allTransfers (ledger: Ledger, account?: string): Promise<Transfer[]> {
  const view = viewOf(ledger)
  const prefix = account === undefined ? Buffer.from([TRANSFER]) : Buffer.concat([Buffer.from([ACCOUNT_TRANSFER, Buffer.byteLength(account)]), Buffer.from(account)])
  const items: Array<{ n: number, t: Transfer }> = []
  for await (const node of view.createReadStream({ gte: prefix, lt: Buffer.concat([prefix, Buffer.alloc(70, 0xff)]) })) {
    const value = JSON.parse(node.value.toString()) as Transfer | Array<[number, Transfer]>
    if (Array.isArray(value)) for (const [n, t] of value) items.push({ n, t })
    else items.push({ n: node.key.readUInt16BE(node.key.length - 2), t: value })
  }
  items.sort((x, y) => compareTransferKeys(x.t.ts, parseId(x.t.id), x.n, y.t.ts, parseId(y.t.id), y.n))
  return items.map((i) => i.t)
}

/** What `ledger.transfers(q)` must answer, from {@link allTransfers}. */
export function expected (all: Transfer[], q: { since?: number, until?: number, limit?: number, reverse?: boolean }): Transfer[] {
  const since = keyTime(q.since ?? 0)
  const until = keyTime(q.until ?? Number.MAX_SAFE_INTEGER)
  const out = all.filter((t) => keyTime(t.ts) >= since && keyTime(t.ts) < until)
  if (q.reverse === true) out.reverse()
  return q.limit === undefined ? out : out.slice(0, q.limit)
}

/** Every balance value the view ever held (its whole history), per account. */
export async function balanceHistory (ledger: Ledger): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>()
  for await (const node of viewOf(ledger).createHistoryStream()) {
    if (node.key[0] !== BALANCE || node.type !== 'put') continue
    const account = node.key.subarray(2).toString()
    out.set(account, [...(out.get(account) ?? []), Number(node.value.toString())])
  }
  return out
}

/** The view's money puts, in the order apply wrote them, from view block `from` on. */
export async function moneyWrites (view: Hyperbee, from: number): Promise<Array<{ prefix: number, key: Buffer, value: string }>> {
  const out: Array<{ prefix: number, key: Buffer, value: string }> = []
  for await (const node of view.createHistoryStream({ gte: from })) {
    if (node.key[0] >= 0x10 && node.key[0] <= 0x15) out.push({ prefix: node.key[0], key: node.key, value: node.value.toString() })
  }
  return out
}
