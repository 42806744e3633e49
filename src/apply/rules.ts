/**
 * Rules: the ledger's "smart contracts", as data. A rule says when (an op type, optionally an
 * event kind, an asset or a stream, and conditions on the op's fields) and then (actions from a
 * fixed set). No user code runs; a rule is validated when added and refused with a reason if it
 * is malformed. Indexers add and remove rules.
 */
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import { isAmount, isName, isObject, onlyFields } from './context.js'

/** A condition on the triggering op's data. `field` is a dotted path, e.g. `value.temp`. */
export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | { field: string, op: 'eq' | 'ne' | 'gt' | 'gte' | 'lt' | 'lte', value: string | number | boolean | null }
  | { field: string, op: 'in', value: Array<string | number | boolean | null> }
  | { field: string, op: 'between', value: [number, number] }
  | { field: string, op: 'exists' }

/** Where a rule's money comes from or goes: an account, or the trigger's writer or asset owner. */
export type Party = '$writer' | '$owner' | string

/** What a rule may do. */
export type Action =
  | { do: 'asset.status', status: string, asset?: string }
  | { do: 'asset.flag', reason: string, asset?: string }
  | { do: 'alert', message: string, level?: 'info' | 'warning' | 'critical' }
  | { do: 'transfer', from: Party, to: Party, amount: number, memo?: string }

/** A rule as stored. */
export interface Rule {
  id: string
  when: { type: string, kind?: string, asset?: string, stream?: string, where?: Condition }
  then: Action[]
  /** `confirmed`: act only once the triggering entry is final (executed by an indexer). */
  on: 'applied' | 'confirmed'
  addedBy?: string
  addedAt?: string
}

const TYPE = /^[a-zA-Z][a-zA-Z0-9_.:-]{0,63}$/
const PATH = /^[A-Za-z0-9_-]{1,64}(\.[A-Za-z0-9_-]{1,64}){0,7}$/
const MAX_ACTIONS = 8
const MAX_CONDITIONS = 64
const COMPARE = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte']

/** Validate a rule definition (shape only). */
export function checkRule (data: unknown): Refusal | null {
  if (!isObject(data)) return refuse('INVALID_ENTRY', 'a rule is { id, when, then, on? }')
  const fields = onlyFields(data, ['id', 'when', 'then', 'on'], 'rule')
  if (fields !== null) return fields
  if (!isName(data.id)) return refuse('INVALID_ENTRY', 'rule id is a name')
  if (data.on !== undefined && data.on !== 'applied' && data.on !== 'confirmed') return refuse('INVALID_ENTRY', 'on is applied or confirmed')
  const when = data.when
  if (!isObject(when)) return refuse('INVALID_ENTRY', 'when is { type, kind?, asset?, stream?, where? }')
  const whenFields = onlyFields(when, ['type', 'kind', 'asset', 'stream', 'where'], 'when')
  if (whenFields !== null) return whenFields
  if (typeof when.type !== 'string' || !TYPE.test(when.type)) return refuse('INVALID_ENTRY', 'when.type is an op type')
  for (const k of ['kind', 'asset', 'stream']) {
    if (when[k] !== undefined && !isName(when[k])) return refuse('INVALID_ENTRY', `when.${k} is a name`)
  }
  if (when.where !== undefined) {
    const budget = { left: MAX_CONDITIONS }
    const bad = checkCondition(when.where, budget, 0)
    if (bad !== null) return bad
  }
  if (!Array.isArray(data.then) || data.then.length === 0 || data.then.length > MAX_ACTIONS) {
    return refuse('INVALID_ENTRY', `then is a list of 1-${MAX_ACTIONS} actions`)
  }
  for (const action of data.then) {
    const bad = checkAction(action)
    if (bad !== null) return bad
  }
  return null
}

function checkCondition (c: unknown, budget: { left: number }, depth: number): Refusal | null {
  if (--budget.left < 0 || depth > 8) return refuse('INVALID_ENTRY', `conditions nest at most 8 deep, ${MAX_CONDITIONS} in all`)
  if (!isObject(c)) return refuse('INVALID_ENTRY', 'a condition is an object')
  if ('all' in c || 'any' in c) {
    const list = c.all ?? c.any
    const only = onlyFields(c, ['all' in c ? 'all' : 'any'], 'condition')
    if (only !== null) return only
    if (!Array.isArray(list) || list.length === 0) return refuse('INVALID_ENTRY', 'all/any is a non-empty list')
    for (const x of list) {
      const bad = checkCondition(x, budget, depth + 1)
      if (bad !== null) return bad
    }
    return null
  }
  if ('not' in c) return onlyFields(c, ['not'], 'condition') ?? checkCondition(c.not, budget, depth + 1)
  const only = onlyFields(c, ['field', 'op', 'value'], 'condition')
  if (only !== null) return only
  if (typeof c.field !== 'string' || !PATH.test(c.field)) return refuse('INVALID_ENTRY', 'field is a dotted path, e.g. value.temp')
  if (c.op === 'exists') return c.value === undefined ? null : refuse('INVALID_ENTRY', 'exists takes no value')
  if (COMPARE.includes(c.op as string)) {
    const v = c.value
    return v === null || ['string', 'number', 'boolean'].includes(typeof v) ? null : refuse('INVALID_ENTRY', `${String(c.op)} compares with a string, number, boolean or null`)
  }
  if (c.op === 'in') return Array.isArray(c.value) && c.value.length <= 64 ? null : refuse('INVALID_ENTRY', 'in takes a list of up to 64 values')
  if (c.op === 'between') {
    const v = c.value
    return Array.isArray(v) && v.length === 2 && typeof v[0] === 'number' && typeof v[1] === 'number' ? null : refuse('INVALID_ENTRY', 'between takes [low, high]')
  }
  return refuse('INVALID_ENTRY', `unknown operator ${String(c.op)}`)
}

function checkAction (a: unknown): Refusal | null {
  if (!isObject(a)) return refuse('INVALID_ENTRY', 'an action is { do, ... }')
  const text = (v: unknown, max: number): boolean => typeof v === 'string' && v.length > 0 && v.length <= max
  const party = (v: unknown): boolean => v === '$writer' || v === '$owner' || isName(v)
  switch (a.do) {
    case 'asset.status':
      return onlyFields(a, ['do', 'status', 'asset'], 'asset.status action') ??
        (isName(a.status) ? null : refuse('INVALID_ENTRY', 'status is a name')) ??
        (a.asset === undefined || isName(a.asset) ? null : refuse('INVALID_ENTRY', 'asset is an asset id'))
    case 'asset.flag':
      return onlyFields(a, ['do', 'reason', 'asset'], 'asset.flag action') ??
        (text(a.reason, 256) ? null : refuse('INVALID_ENTRY', 'reason is 1-256 characters')) ??
        (a.asset === undefined || isName(a.asset) ? null : refuse('INVALID_ENTRY', 'asset is an asset id'))
    case 'alert':
      return onlyFields(a, ['do', 'message', 'level'], 'alert action') ??
        (text(a.message, 256) ? null : refuse('INVALID_ENTRY', 'message is 1-256 characters')) ??
        (a.level === undefined || ['info', 'warning', 'critical'].includes(a.level as string) ? null : refuse('INVALID_ENTRY', 'level is info, warning or critical'))
    case 'transfer':
      return onlyFields(a, ['do', 'from', 'to', 'amount', 'memo'], 'transfer action') ??
        (party(a.from) && party(a.to) ? null : refuse('INVALID_ENTRY', 'from and to are $writer, $owner or an account')) ??
        (isAmount(a.amount) ? null : refuse('INVALID_ENTRY', 'amount is a positive integer')) ??
        (a.memo === undefined || text(a.memo, 256) ? null : refuse('INVALID_ENTRY', 'memo is 1-256 characters'))
    default:
      return refuse('INVALID_ENTRY', `unknown action ${String(a.do)}`)
  }
}

/** Evaluate a condition against an op's data. Pure and total: a missing field never throws. */
export function matches (c: Condition, data: unknown): boolean {
  if ('all' in c) return c.all.every((x) => matches(x, data))
  if ('any' in c) return c.any.some((x) => matches(x, data))
  if ('not' in c) return !matches(c.not, data)
  const v = pick(data, c.field)
  switch (c.op) {
    case 'exists': return v !== undefined
    case 'eq': return v === c.value
    case 'ne': return v !== undefined && v !== c.value
    case 'gt': return comparable(v, c.value) && (v as number) > (c.value as number)
    case 'gte': return comparable(v, c.value) && (v as number) >= (c.value as number)
    case 'lt': return comparable(v, c.value) && (v as number) < (c.value as number)
    case 'lte': return comparable(v, c.value) && (v as number) <= (c.value as number)
    case 'in': return c.value.some((x) => x === v)
    case 'between': return typeof v === 'number' && v >= c.value[0] && v <= c.value[1]
  }
}

function comparable (a: unknown, b: unknown): boolean {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string')
}

function pick (data: unknown, path: string): unknown {
  let v: unknown = data
  for (const part of path.split('.')) {
    if (!isObject(v) || !Object.prototype.hasOwnProperty.call(v, part)) return undefined
    v = v[part]
  }
  return v
}
