/**
 * Reads of the ledger's semantic state: balances, transfers, assets and their provenance, rules,
 * alerts and rule effects. Each is a point read or a range read of the view (state-layout.ts).
 */
import type Hyperbee from 'hyperbee'
import { decodeBlockRecord, entryOfBlock, type EntryStatus } from '../protocol/entry.js'
import { formatId, parseId } from '../protocol/entry-id.js'
import { MeshledgerError } from '../errors.js'
import { decodeKey, encodeKey, type DeviceKey, type KeyInput } from '../keys.js'
import { accountName, balanceOf, type Transfer } from '../apply/accounts.js'
import type { Asset, AssetStep } from '../apply/assets.js'
import { getJson } from '../apply/context.js'
import type { Alert, Effect } from '../apply/rule-engine.js'
import type { InviteRecord } from '../apply/invites.js'
import type { ForkRecord } from '../apply/forks.js'
import type { Rule } from '../apply/rules.js'
import { decodePending, idAfter, stateKeys, ranges } from '../protocol/state-layout.js'
import { blockKey, type KeyRange } from '../protocol/view-layout.js'
import { transferHistory } from './transfer-history.js'

/** Filters of `ledger.transfers()`; `since <= ts < until`. */
export interface TransferQuery {
  account?: KeyInput
  since?: number
  until?: number
  limit?: number
  reverse?: boolean
}

/** Filters of `ledger.assets()`. */
export interface AssetQuery {
  owner?: KeyInput
  kind?: string
  status?: string
}

/** One step of an asset's provenance, with the finality (`status`) of the entry that made it. */
export interface AssetHistoryStep extends AssetStep {
  status: EntryStatus
}

/** Resolve an account argument (device key as z32/hex, or a shared-account name). */
export function account (value: KeyInput | string): string {
  const name = accountName(typeof value === 'string' ? value : Buffer.from(value).toString('hex'))
  if (name === null) throw MeshledgerError.invalidOption('an account is a device key or a shared-account name')
  return name
}

/** Balance of an account. */
export async function balance (view: Hyperbee, acct: KeyInput | string): Promise<number> {
  return balanceOf(view, account(acct))
}

/** Total minted. */
export async function supply (view: Hyperbee): Promise<number> {
  const node = await view.get(stateKeys.supply())
  return node === null ? 0 : Number(node.value.toString())
}

/** Transfers (and mints), by time, for one account or everyone. */
export async function * transfers (view: Hyperbee, q: TransferQuery = {}): AsyncGenerator<Transfer> {
  const since = q.since ?? 0
  const until = q.until ?? Number.MAX_SAFE_INTEGER
  yield * transferHistory(view, q.account === undefined ? undefined : account(q.account), since, until, q.limit, q.reverse)
}

/** An asset's current state, or null. */
export async function asset (view: Hyperbee, id: string): Promise<Asset | null> {
  return getJson<Asset>(view, stateKeys.asset(id))
}

/** The whole provenance chain of an asset, oldest first; throws NOT_FOUND for an unknown asset. */
export async function assetHistory (view: Hyperbee, id: string): Promise<AssetHistoryStep[]> {
  if ((await asset(view, id)) === null) throw MeshledgerError.notFound(`no asset ${id}`)
  const signed = view.core.signedLength
  const out: AssetHistoryStep[] = []
  for await (const step of values<AssetStep>(view, ranges.history(id))) {
    out.push({ ...step, status: await statusOf(view, step.entry, signed) })
  }
  return out
}

async function statusOf (view: Hyperbee, id: string, signed: number): Promise<EntryStatus> {
  const addr = parseId(id)
  const node = await view.get(blockKey(addr.writer, addr.seq))
  if (node === null) return 'pending'
  return entryOfBlock(addr.writer, addr.seq, addr.offset, decodeBlockRecord(node.value), node.seq, signed)?.status ?? 'pending'
}

/** Assets, by owner, kind or status (one index read; other filters skip non-matches). */
export async function * assets (view: Hyperbee, q: AssetQuery = {}): AsyncGenerator<Asset> {
  const owner = q.owner === undefined ? null : decodeKey(q.owner, 'owner')
  let range: KeyRange
  let prefix: number
  if (owner !== null) {
    range = ranges.byOwner(owner)
    prefix = range.gte.length
  } else if (q.kind !== undefined) {
    range = ranges.byKind(q.kind)
    prefix = range.gte.length
  } else if (q.status !== undefined) {
    range = ranges.byStatus(q.status)
    prefix = range.gte.length
  } else {
    yield * values<Asset>(view, ranges.assets())
    return
  }
  for await (const node of view.createReadStream(range)) {
    const a = await asset(view, idAfter(node.key, prefix))
    if (a === null) continue
    if (q.kind !== undefined && a.kind !== q.kind) continue
    if (q.status !== undefined && a.status !== q.status) continue
    yield a
  }
}

/** Every rule in force. */
export async function * rules (view: Hyperbee): AsyncGenerator<Rule> {
  yield * values<Rule>(view, ranges.rules())
}

/** Alerts raised by rules, by time. */
export async function * alerts (view: Hyperbee, q: { since?: number, until?: number, limit?: number, reverse?: boolean } = {}): AsyncGenerator<Alert> {
  yield * values<Alert>(view, ranges.alerts(q.since ?? 0, q.until ?? Number.MAX_SAFE_INTEGER), q.limit, q.reverse)
}

/** What rules did because of one entry: each action, whether it worked, and why not. */
export async function effects (view: Hyperbee, id: string): Promise<Effect[]> {
  const out: Effect[] = []
  for await (const e of values<Effect>(view, ranges.effects(parseId(id)))) out.push(e)
  return out
}

/** Confirmed-only rule actions waiting for their trigger to become final. */
export async function * pendingRules (view: Hyperbee): AsyncGenerator<{ rule: string, trigger: string }> {
  for await (const node of view.createReadStream(ranges.pending())) {
    const { rule, trigger } = decodePending(node.key)
    yield { rule, trigger: formatId(trigger.writer, trigger.seq, trigger.offset) }
  }
}

async function * values<T> (view: Hyperbee, range: KeyRange, limit?: number, reverse = false): AsyncGenerator<T> {
  let n = 0
  if (limit === 0) return
  for await (const node of view.createReadStream({ ...range, reverse })) {
    yield JSON.parse(node.value.toString()) as T
    if (limit !== undefined && ++n >= limit) return
  }
}

/** An invite as `ledger.invites()` lists it. */
export interface InviteInfo extends InviteRecord {
  id: string
}

/** Every invite on the ledger. */
export async function * invites (view: Hyperbee): AsyncGenerator<InviteInfo> {
  for await (const node of view.createReadStream(ranges.invites())) {
    yield { id: node.key.subarray(1).toString('hex'), ...(JSON.parse(node.value.toString()) as InviteRecord) }
  }
}

/** A recorded fork as `ledger.forks()` lists it. */
export interface Fork extends ForkRecord {
  /** The device that forked. */
  key: DeviceKey
}

/** Every fork recorded on the ledger, by device key. */
export async function * forks (view: Hyperbee): AsyncGenerator<Fork> {
  for await (const node of view.createReadStream(ranges.forks())) {
    yield { key: encodeKey<DeviceKey>(node.key.subarray(1)), ...(JSON.parse(node.value.toString()) as ForkRecord) }
  }
}
