/**
 * Running rules inside apply. After an op is accepted, every rule on its type is matched against
 * its data; matching rules act at once, or (rules `on: 'confirmed'`) wait in the view until an
 * indexer sees the trigger final and appends `rule.execute`. Each action's outcome is recorded
 * with its provenance (rule and trigger); a failed action (no funds, no authorisation, unknown
 * asset) is recorded as failed and never undoes the trigger. Rule effects do not trigger rules.
 */
import { decodeBlockRecord } from '../protocol/entry.js'
import { formatId, parseId, type EntryAddress } from '../protocol/entry-id.js'
import { encodeKey } from '../keys.js'
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import { blockKey } from '../protocol/view-layout.js'
import { accountName, maySpend, moveMoney, type Authorisation } from './accounts.js'
import { flagAsset, getAsset, setStatus } from './assets.js'
import { getJson, isObject, keyOf, onlyFields, putJson, type OpContext, type OpHandler } from './context.js'
import { roleOf } from './membership.js'
import { checkRule, matches, type Action, type Party, type Rule } from './rules.js'
import { stateKeys, ranges } from '../protocol/state-layout.js'

/** The outcome of one rule action, as stored. */
export interface Effect {
  rule: string
  action: Action['do']
  ok: boolean
  reason?: string
}

/** An alert raised by a rule, as stored. */
export interface Alert {
  rule: string
  trigger: string
  message: string
  level: 'info' | 'warning' | 'critical'
  asset?: string
  ts: number
}

/** The asset an op is about, if any. */
function assetOf (type: string, data: unknown): string | undefined {
  if (!isObject(data)) return undefined
  if (type.startsWith('asset.') && typeof data.id === 'string') return data.id
  return typeof data.asset === 'string' ? data.asset : undefined
}

/** Run every rule on `type` against an accepted op. */
export async function runRules (ctx: OpContext, type: string, data: unknown): Promise<void> {
  let ids = ctx.cache.rulesByType.get(type)
  if (ids === undefined) {
    ids = []
    for await (const node of ctx.batch.createReadStream(ranges.rulesByType(type))) ids.push(node.key.subarray(2 + node.key[1]).toString('utf8'))
    ctx.cache.rulesByType.set(type, ids)
  }
  let n = 1
  for (const id of ids) {
    const rule = await getJson<Rule>(ctx.batch, stateKeys.rule(id))
    if (rule === null || !applies(rule, type, data)) continue
    if (rule.on === 'confirmed') {
      await ctx.batch.put(stateKeys.pending(rule.id, ctx.address), Buffer.alloc(0))
      continue
    }
    n = await act(ctx, rule, type, data, n)
  }
}

function applies (rule: Rule, type: string, data: unknown): boolean {
  const { when } = rule
  if (when.type !== type) return false
  if (when.kind !== undefined && !(isObject(data) && data.kind === when.kind)) return false
  if (when.asset !== undefined && assetOf(type, data) !== when.asset) return false
  if (when.stream !== undefined && !(isObject(data) && data.stream === when.stream)) return false
  return when.where === undefined || matches(when.where, data)
}

async function act (ctx: OpContext, rule: Rule, type: string, data: unknown, first: number): Promise<number> {
  let n = first
  for (const action of rule.then) {
    const refusal = await perform(ctx, rule, action, assetOf(type, data), n)
    const effect: Effect = { rule: rule.id, action: action.do, ok: refusal === null }
    if (refusal !== null) effect.reason = `${refusal.code}: ${refusal.reason}`
    await putJson(ctx.batch, stateKeys.effect(ctx.address, n), effect)
    n++
  }
  return n
}

async function perform (ctx: OpContext, rule: Rule, action: Action, target: string | undefined, n: number): Promise<Refusal | null> {
  if (action.do === 'alert') {
    const alert: Alert = { rule: rule.id, trigger: ctx.id, message: action.message, level: action.level ?? 'warning', ts: ctx.ts }
    if (target !== undefined) alert.asset = target
    await putJson(ctx.batch, stateKeys.alert(ctx.ts, ctx.address, n), alert)
    return null
  }
  if (action.do === 'transfer') {
    const from = await party(ctx, action.from, target)
    const to = await party(ctx, action.to, target)
    if (from === null || to === null) return refuse('UNKNOWN_ACCOUNT', 'the rule names an account this trigger does not have')
    const auth = await getJson<Authorisation>(ctx.batch, stateKeys.auth(from, rule.id))
    if (auth === null) return refuse('NOT_AUTHORISED', `${from} has not authorised rule ${rule.id}`)
    if (auth.max < action.amount) return refuse('NOT_AUTHORISED', `${from} authorised at most ${auth.max}`)
    if (!(await maySpend(ctx, from, keyOf(auth.by)))) return refuse('NOT_AUTHORISED', 'the authorising device no longer holds the account')
    return moveMoney(ctx, { from, to, amount: action.amount, memo: action.memo, rule: rule.id }, ctx.address, n)
  }
  const id = action.asset ?? target
  const asset = id === undefined ? null : await getAsset(ctx.batch, id)
  if (asset === null) return refuse('UNKNOWN_ASSET', `no asset ${id ?? '(the trigger names none)'}`)
  if (action.do === 'asset.status') await setStatus(ctx, asset, action.status, rule.id)
  else await flagAsset(ctx, asset, action.reason, rule.id)
  return null
}

async function party (ctx: OpContext, p: Party, target: string | undefined): Promise<string | null> {
  if (p === '$writer') return encodeKey(ctx.writer)
  if (p === '$owner') return target === undefined ? null : (await getAsset(ctx.batch, target))?.owner ?? null
  return accountName(p)
}

async function requireIndexer (ctx: OpContext): Promise<Refusal | null> {
  return (await roleOf(ctx.batch, ctx.writer, ctx.genesis)) === 'indexer' ? null : refuse('NOT_AUTHORISED', 'only indexers manage rules')
}

const add: OpHandler = {
  check: checkRule,
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const rule = data as Rule
    if ((await getJson(ctx.batch, stateKeys.rule(rule.id))) !== null) return refuse('RULE_EXISTS', `rule ${rule.id} exists`)
    await putJson(ctx.batch, stateKeys.rule(rule.id), { ...rule, on: rule.on ?? 'applied', addedBy: encodeKey(ctx.writer), addedAt: ctx.id })
    await ctx.batch.put(stateKeys.ruleByType(rule.when.type, rule.id), Buffer.alloc(0))
    ctx.cache.rulesByType.clear()
    return null
  }
}

const remove: OpHandler = {
  check: (data) => isObject(data) ? onlyFields(data, ['id'], 'rule.remove') ?? (typeof data.id === 'string' ? null : refuse('INVALID_ENTRY', 'rule.remove needs an id')) : refuse('INVALID_ENTRY', 'rule.remove data is { id }'),
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const id = (data as { id: string }).id
    const rule = await getJson<Rule>(ctx.batch, stateKeys.rule(id))
    if (rule === null) return refuse('UNKNOWN_RULE', `no rule ${id}`)
    await ctx.batch.del(stateKeys.rule(id))
    await ctx.batch.del(stateKeys.ruleByType(rule.when.type, id))
    ctx.cache.rulesByType.clear()
    return null
  }
}

const execute: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'rule.execute data is { rule, trigger }')
    const only = onlyFields(data, ['rule', 'trigger'], 'rule.execute')
    if (only !== null) return only
    if (typeof data.rule !== 'string' || typeof data.trigger !== 'string') return refuse('INVALID_ENTRY', 'rule.execute needs a rule id and a trigger entry id')
    try {
      parseId(data.trigger)
    } catch {
      return refuse('INVALID_ENTRY', 'trigger is an entry id')
    }
    return null
  },
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const d = data as { rule: string, trigger: string }
    const address = parseId(d.trigger)
    const pending = stateKeys.pending(d.rule, address)
    const rule = await getJson<Rule>(ctx.batch, stateKeys.rule(d.rule))
    if (rule === null || (await ctx.batch.get(pending)) === null) return refuse('NOT_PENDING', `rule ${d.rule} has nothing pending for ${d.trigger}`)
    const trigger = await triggerOp(ctx, address)
    if (trigger === null) return refuse('NOT_PENDING', `trigger ${d.trigger} is not in the view`)
    await ctx.batch.del(pending)
    const at: OpContext = { ...ctx, writer: address.writer, id: formatId(address.writer, address.seq, address.offset), address, ts: trigger.ts }
    let done = 0
    for await (const _ of ctx.batch.createReadStream(ranges.effects(address))) done++
    await act(at, rule, trigger.type, trigger.data, done + 1)
    return null
  }
}

async function triggerOp (ctx: OpContext, address: EntryAddress): Promise<{ type: string, data: unknown, ts: number } | null> {
  const node = await ctx.batch.get(blockKey(address.writer, address.seq))
  if (node === null) return null
  const op = decodeBlockRecord(node.value).o?.[address.offset]
  if (op === undefined || op.x !== undefined || op.t === undefined) return null
  return { type: op.t, data: op.d, ts: op.ts ?? 0 }
}

/** The rule handlers, by op type. */
export const ruleOps: Record<string, OpHandler> = {
  'rule.add': add,
  'rule.remove': remove,
  'rule.execute': execute
}
