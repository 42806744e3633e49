/**
 * Assets and their lives: a vehicle, a product, a shipment. `asset.register` (owner = writer),
 * `asset.transfer` (only the owner), `asset.event` (any member, or only holders of the capability
 * the ledger's policy names for that kind), `asset.policy` (indexers). Status changes and flags
 * come from rules. Every step lands in the asset's provenance chain.
 */
import type Hyperbee from 'hyperbee'
import { encodeKey } from '../keys.js'
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import {
  getJson, isKey, isName, isObject, keyOf, onlyFields, putJson, type OpContext, type OpHandler
} from './context.js'
import { hasCapability, memberRecord, roleOf } from './membership.js'
import { stateKeys } from '../protocol/state-layout.js'

/** A flag raised on an asset by a rule. */
export interface AssetFlag {
  reason: string
  rule: string
  trigger: string
}

/** An asset's current state. */
export interface Asset {
  id: string
  kind: string
  owner: string
  attributes: Record<string, unknown>
  status: string
  flags: AssetFlag[]
  registeredBy: string
  registeredAt: string
  /** Number of provenance steps. */
  steps: number
}

/** One step of an asset's provenance chain, as stored. */
export interface AssetStep {
  n: number
  op: 'register' | 'transfer' | 'event' | 'status' | 'flag'
  /** The entry that made the step (for rule steps: the entry that triggered the rule). */
  entry: string
  writer: string
  ts: number
  kind?: string
  data?: unknown
  from?: string
  to?: string
  /** For `status` steps: the asset's new status. */
  assetStatus?: string
  reason?: string
  rule?: string
}

/** The asset `id`, or null. */
export async function getAsset (bee: Pick<Hyperbee.Batch, 'get'>, id: string): Promise<Asset | null> {
  return getJson<Asset>(bee, stateKeys.asset(id))
}

async function step (ctx: OpContext, asset: Asset, s: Omit<AssetStep, 'n' | 'entry' | 'writer' | 'ts'>): Promise<void> {
  const full: AssetStep = { n: asset.steps, entry: ctx.id, writer: encodeKey(ctx.writer), ts: ctx.ts, ...s }
  await putJson(ctx.batch, stateKeys.history(asset.id, asset.steps), full)
  asset.steps++
}

/** Set an asset's status (a rule action). */
export async function setStatus (ctx: OpContext, asset: Asset, status: string, rule: string): Promise<void> {
  if (asset.status === status) return
  await ctx.batch.del(stateKeys.byStatus(asset.status, asset.id))
  await ctx.batch.put(stateKeys.byStatus(status, asset.id), Buffer.alloc(0))
  asset.status = status
  await step(ctx, asset, { op: 'status', assetStatus: status, rule })
  await putJson(ctx.batch, stateKeys.asset(asset.id), asset)
}

/** Flag an asset with a reason (a rule action). */
export async function flagAsset (ctx: OpContext, asset: Asset, reason: string, rule: string): Promise<void> {
  asset.flags.push({ reason, rule, trigger: ctx.id })
  await step(ctx, asset, { op: 'flag', reason, rule })
  await putJson(ctx.batch, stateKeys.asset(asset.id), asset)
}

const register: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'asset.register data is { id, kind, attributes? }')
    return onlyFields(data, ['id', 'kind', 'attributes'], 'asset.register') ??
      (isName(data.id) ? null : refuse('INVALID_ENTRY', 'id is 1-128 characters: letters, digits, _ . : @ / -')) ??
      (isName(data.kind) ? null : refuse('INVALID_ENTRY', 'kind is a name')) ??
      (data.attributes === undefined || isObject(data.attributes) ? null : refuse('INVALID_ENTRY', 'attributes is an object'))
  },
  async apply (ctx, data) {
    const d = data as { id: string, kind: string, attributes?: Record<string, unknown> }
    if ((await getAsset(ctx.batch, d.id)) !== null) return refuse('ASSET_EXISTS', `asset ${d.id} is registered`)
    const owner = encodeKey(ctx.writer)
    const asset: Asset = {
      id: d.id, kind: d.kind, owner, attributes: d.attributes ?? {}, status: 'active', flags: [], registeredBy: owner, registeredAt: ctx.id, steps: 0
    }
    await step(ctx, asset, { op: 'register', kind: d.kind, data: asset.attributes })
    await putJson(ctx.batch, stateKeys.asset(d.id), asset)
    await ctx.batch.put(stateKeys.byOwner(ctx.writer, d.id), Buffer.alloc(0))
    await ctx.batch.put(stateKeys.byKind(d.kind, d.id), Buffer.alloc(0))
    await ctx.batch.put(stateKeys.byStatus('active', d.id), Buffer.alloc(0))
    return null
  }
}

const transfer: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'asset.transfer data is { id, to }')
    return onlyFields(data, ['id', 'to'], 'asset.transfer') ??
      (isName(data.id) ? null : refuse('INVALID_ENTRY', 'id is an asset id')) ??
      (isKey(data.to) ? null : refuse('INVALID_ENTRY', 'to is a device key'))
  },
  async apply (ctx, data) {
    const d = data as { id: string, to: string }
    const asset = await getAsset(ctx.batch, d.id)
    if (asset === null) return refuse('UNKNOWN_ASSET', `no asset ${d.id}`)
    if (asset.owner !== encodeKey(ctx.writer)) return refuse('NOT_OWNER', `only the owner of ${d.id} may transfer it`)
    const to = keyOf(d.to)
    if ((await memberRecord(ctx.batch, to)) === null && !to.equals(ctx.genesis)) return refuse('UNKNOWN_ACCOUNT', 'the new owner is not a member')
    await ctx.batch.del(stateKeys.byOwner(ctx.writer, asset.id))
    await ctx.batch.put(stateKeys.byOwner(to, asset.id), Buffer.alloc(0))
    const from = asset.owner
    asset.owner = encodeKey(to)
    await step(ctx, asset, { op: 'transfer', from, to: asset.owner })
    await putJson(ctx.batch, stateKeys.asset(asset.id), asset)
    return null
  }
}

const event: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'asset.event data is { id, kind, data? }')
    return onlyFields(data, ['id', 'kind', 'data'], 'asset.event') ??
      (isName(data.id) ? null : refuse('INVALID_ENTRY', 'id is an asset id')) ??
      (isName(data.kind) ? null : refuse('INVALID_ENTRY', 'kind is a name, e.g. maintenance, inspection, damage, reading'))
  },
  async apply (ctx, data) {
    const d = data as { id: string, kind: string, data?: unknown }
    const asset = await getAsset(ctx.batch, d.id)
    if (asset === null) return refuse('UNKNOWN_ASSET', `no asset ${d.id}`)
    const policy = await getJson<{ role: string }>(ctx.batch, stateKeys.policy(d.kind))
    if (policy !== null && !(await hasCapability(ctx.batch, ctx.writer, policy.role))) {
      return refuse('NOT_AUTHORISED', `only a member holding ${policy.role} may record ${d.kind}`)
    }
    await step(ctx, asset, { op: 'event', kind: d.kind, data: d.data ?? null })
    await putJson(ctx.batch, stateKeys.asset(asset.id), asset)
    return null
  }
}

const policy: OpHandler = {
  check (data): Refusal | null {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'asset.policy data is { kind, role }')
    return onlyFields(data, ['kind', 'role'], 'asset.policy') ??
      (isName(data.kind) ? null : refuse('INVALID_ENTRY', 'kind is a name')) ??
      (data.role === null || isName(data.role) ? null : refuse('INVALID_ENTRY', 'role is a capability name, or null to lift the policy'))
  },
  async apply (ctx, data) {
    if ((await roleOf(ctx.batch, ctx.writer, ctx.genesis)) !== 'indexer') return refuse('NOT_AUTHORISED', 'only indexers set policies')
    const d = data as { kind: string, role: string | null }
    if (d.role === null) await ctx.batch.del(stateKeys.policy(d.kind))
    else await putJson(ctx.batch, stateKeys.policy(d.kind), { role: d.role })
    return null
  }
}

/** The asset handlers, by op type. */
export const assetOps: Record<string, OpHandler> = {
  'asset.register': register,
  'asset.transfer': transfer,
  'asset.event': event,
  'asset.policy': policy
}
