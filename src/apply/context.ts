/**
 * What an op handler sees while apply runs: the view batch, the host, and who wrote what where.
 * Plus the small validators every handler shares, so local checks and apply agree exactly.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type { EntryAddress, EntryId } from '../protocol/entry-id.js'
import id from 'hypercore-id-encoding'
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import type { PolicyRecord } from './policy-types.js'
import { pendingMoney, type PendingMoney, type SharedAccount } from './money-types.js'

/** One op being applied. */
export interface OpContext {
  batch: Hyperbee.Batch
  host: Autobase.Host
  /** The ledger key: its writer is the first indexer. */
  genesis: Buffer
  writer: Buffer
  id: EntryId
  address: EntryAddress
  /** The writer's device time. */
  ts: number
  /** The ledger's active protocol when the op applies (decides the view layout, see view-layout.ts). */
  active: number
  /** False while checking an op locally before appending it: do not touch the host. */
  live: boolean
  /** Lookups memoised across apply calls while the view is unchanged (view-cache.ts); ops that change them update them. */
  cache: ApplyCache
}

/**
 * What apply memoises (kept across calls by view-cache.ts while the view is what the last call
 * left; fresh for each local check): rule ids by trigger type, the ledger's active protocol and
 * policy, balances and shared-account records. The last two are written through (accounts.ts is their
 * only writer), so a memoised value is always what re-reading the batch would give.
 */
export interface ApplyCache {
  rulesByType: Map<string, string[]>
  /** Balance by account name, as the batch holds it now. */
  balances: Map<string, number>
  /** Shared-account record by account name (null: not opened), as the batch holds it now. */
  accounts: Map<string, SharedAccount | null>
  /** Under protocol 6, what the current node changed and writes when it ends (transfer-batch.ts). */
  money: PendingMoney
  protocol?: number
  /** The `ledger.policy` record (null: none, the defaults); see quorum.ts. */
  policy?: PolicyRecord | null
}

/** A fresh cache for one apply call (or one local check). */
export function applyCache (): ApplyCache {
  return { rulesByType: new Map(), balances: new Map(), accounts: new Map(), money: pendingMoney() }
}

/** An op the ledger interprets: a pure shape check, then authorisation and effects in apply. */
export interface OpHandler {
  /** Shape only: pure, no state. */
  check (data: unknown): Refusal | null
  /** Authorise against the view and apply; a refusal leaves the view as it was for this op. */
  apply (ctx: OpContext, data: unknown): Promise<Refusal | null>
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,127}$/

/** Names of accounts, assets, rules, streams, kinds and roles: 1-128 safe characters. */
export function isName (value: unknown): value is string {
  return typeof value === 'string' && NAME.test(value)
}

/** A positive amount in the smallest unit: a safe integer, never a float. */
export function isAmount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0
}

/** A plain JSON object (not an array, not null). */
export function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** True for 32 bytes written as 64 lowercase hex digits (ids, swarm and invite keys). */
export function isHex32 (value: unknown): value is string {
  return typeof value === 'string' && /^[0-9a-f]{64}$/.test(value)
}

/** True for a device key (z32 or hex). */
export function isKey (value: unknown): value is string {
  // The length test first: id.isValid throws and catches for every other string (a shared
  // account name, on every transfer), and it accepts only these lengths or a pear:// link.
  return typeof value === 'string' && (value.length === 52 || value.length === 64 || value.startsWith('pear://')) && id.isValid(value)
}

/** Decode a device key already checked with {@link isKey}. */
export function keyOf (value: string): Buffer {
  return id.decode(value)
}

/** Only these fields may appear. */
export function onlyFields (data: Record<string, unknown>, allowed: string[], what: string): Refusal | null {
  for (const k of Object.keys(data)) {
    if (!allowed.includes(k)) return refuse('INVALID_ENTRY', `${what} has no field ${k}`)
  }
  return null
}

/** Read a JSON value from the view batch. */
export async function getJson<T> (batch: Pick<Hyperbee.Batch, 'get'>, key: Buffer): Promise<T | null> {
  const node = await batch.get(key)
  return node === null ? null : JSON.parse(node.value.toString()) as T
}

/** Write a JSON value into the view batch. */
export async function putJson (batch: Hyperbee.Batch, key: Buffer, value: unknown): Promise<void> {
  await batch.put(key, Buffer.from(JSON.stringify(value)))
}
