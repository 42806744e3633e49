/**
 * Accounts and transfers. Every member device has an account named by its device key; indexers
 * open shared accounts (a fleet's, a family's) that listed holders may spend from. Amounts are
 * integers in the smallest unit. No balance ever goes negative: a transfer that would overdraw at
 * its place in the ledger's order is rejected, so of two offline double spends exactly one stands.
 */
import type Hyperbee from 'hyperbee'
import type { EntryAddress } from '../protocol/entry-id.js'
import { encodeKey } from '../keys.js'
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import {
  getJson, isAmount, isKey, isName, isObject, keyOf, onlyFields, putJson, type OpContext, type OpHandler
} from './context.js'
import { memberRecord, roleOf, hasCapability } from './membership.js'
import { stateKeys } from '../protocol/state-layout.js'
import { NODE_MONEY_PROTOCOL, queueTransfer } from './transfer-batch.js'
import type { SharedAccount, Transfer } from './money-types.js'

export type { SharedAccount, Transfer } from './money-types.js'

/** Normalise an account name: a device key becomes z32; anything else must be a shared-account name. */
export function accountName (value: unknown): string | null {
  if (isKey(value)) return encodeKey(keyOf(value))
  return isName(value) ? value : null
}

/** The balance of an account (0 if it never held money). */
export async function balanceOf (bee: Pick<Hyperbee.Batch, 'get'>, account: string): Promise<number> {
  const node = await bee.get(stateKeys.balance(account))
  return node === null ? 0 : Number(node.value.toString())
}

/** Whether an account exists: a (past or present) member's device account, or an opened shared one. */
export async function accountExists (ctx: OpContext, account: string): Promise<boolean> {
  if (isKey(account)) {
    const key = keyOf(account)
    return key.equals(ctx.genesis) || (await memberRecord(ctx.batch, key)) !== null
  }
  return (await sharedAccount(ctx, account)) !== null
}

/** A shared account's record (null: never opened), memoised for the apply call (see ApplyCache). */
async function sharedAccount (ctx: OpContext, account: string): Promise<SharedAccount | null> {
  const memo = ctx.cache.accounts
  const known = memo.get(account)
  if (known !== undefined) return known
  const record = await getJson<SharedAccount>(ctx.batch, stateKeys.account(account))
  memo.set(account, record)
  return record
}

/** An account's balance in the batch, memoised for the apply call and written through. */
async function balanceIn (ctx: OpContext, account: string): Promise<number> {
  const memo = ctx.cache.balances
  const known = memo.get(account)
  if (known !== undefined) return known
  const balance = await balanceOf(ctx.batch, account)
  memo.set(account, balance)
  return balance
}

async function setBalance (ctx: OpContext, account: string, balance: number): Promise<void> {
  ctx.cache.balances.set(account, balance)
  if (ctx.active >= NODE_MONEY_PROTOCOL) ctx.cache.money.balances.add(account) // written when the node ends
  else await ctx.batch.put(stateKeys.balance(account), Buffer.from(String(balance)))
}

/** Whether the writer may spend from `account`: its own device account, or a shared one it holds. */
export async function maySpend (ctx: OpContext, account: string, spender: Buffer): Promise<boolean> {
  if (isKey(account)) return keyOf(account).equals(spender)
  const shared = await sharedAccount(ctx, account)
  return shared !== null && shared.holders.includes(encodeKey(spender))
}

/**
 * Move money. Checks existence and funds only; the caller has authorised the spender.
 * `n` numbers the transfers one trigger entry causes.
 */
export async function moveMoney (
  ctx: OpContext, t: { from: string, to: string, amount: number, memo?: string, ref?: string, rule?: string }, trigger: EntryAddress, n: number
): Promise<Refusal | null> {
  if (t.from === t.to) return refuse('INVALID_ENTRY', 'from and to are the same account')
  if (!(await accountExists(ctx, t.from))) return refuse('UNKNOWN_ACCOUNT', `no account ${t.from}`)
  if (!(await accountExists(ctx, t.to))) return refuse('UNKNOWN_ACCOUNT', `no account ${t.to}`)
  const ref = t.ref === undefined ? null : stateKeys.ref(t.from, t.ref)
  if (ref !== null && (ctx.cache.money.refs.has(ref.toString('hex')) || (await ctx.batch.get(ref)) !== null)) {
    return refuse('DUPLICATE_REF', `ref ${t.ref as string} was already paid from ${t.from}`)
  }
  const from = await balanceIn(ctx, t.from)
  if (from < t.amount) return refuse('INSUFFICIENT_FUNDS', `${t.from} holds ${from}, needs ${t.amount}`)
  // Nothing below can refuse: a local check has its answer, and its writes would be dropped.
  if (!ctx.live) return null
  await setBalance(ctx, t.from, from - t.amount)
  await credit(ctx, t.to, t.amount)
  if (ref !== null) {
    if (ctx.active >= NODE_MONEY_PROTOCOL) ctx.cache.money.refs.set(ref.toString('hex'), ctx.id) // written when the node ends
    else await ctx.batch.put(ref, Buffer.from(ctx.id))
  }
  await record(ctx, { id: ctx.id, from: t.from, to: t.to, amount: t.amount, ts: ctx.ts, memo: t.memo, ref: t.ref, rule: t.rule }, trigger, n)
  return null
}

async function credit (ctx: OpContext, account: string, amount: number): Promise<void> {
  await setBalance(ctx, account, (await balanceIn(ctx, account)) + amount)
}

async function record (ctx: OpContext, t: Transfer, trigger: EntryAddress, n: number): Promise<void> {
  if (ctx.active >= NODE_MONEY_PROTOCOL) return queueTransfer(ctx.cache, t, trigger, n)
  // Encoded once (JSON.stringify drops undefined fields): the same bytes under every key.
  const value = Buffer.from(JSON.stringify(t))
  await ctx.batch.put(stateKeys.transfer(t.ts, trigger, n), value)
  if (t.from !== null) await ctx.batch.put(stateKeys.accountTransfer(t.from, t.ts, trigger, n), value)
  await ctx.batch.put(stateKeys.accountTransfer(t.to, t.ts, trigger, n), value)
}

const mint: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'mint data is { to, amount }')
    return onlyFields(data, ['to', 'amount', 'memo'], 'mint') ??
      (accountName(data.to) === null ? refuse('INVALID_ENTRY', 'to is a device key or a shared account name') : null) ??
      (isAmount(data.amount) ? null : refuse('INVALID_ENTRY', 'amount is a positive integer in the smallest unit')) ??
      checkMemo(data.memo)
  },
  async apply (ctx, data) {
    const { to, amount, memo } = data as { to: string, amount: number, memo?: string }
    const issuer = (await roleOf(ctx.batch, ctx.writer, ctx.genesis)) === 'indexer' || await hasCapability(ctx.batch, ctx.writer, 'issuer')
    if (!issuer) return refuse('NOT_AUTHORISED', 'only indexers and issuers may mint')
    const account = accountName(to) as string
    if (!(await accountExists(ctx, account))) return refuse('UNKNOWN_ACCOUNT', `no account ${account}`)
    const supply = Number((await ctx.batch.get(stateKeys.supply()))?.value.toString() ?? 0)
    if (supply + amount > Number.MAX_SAFE_INTEGER) return refuse('INVALID_ENTRY', 'total supply would exceed 2^53 - 1')
    await ctx.batch.put(stateKeys.supply(), Buffer.from(String(supply + amount)))
    await credit(ctx, account, amount)
    await record(ctx, { id: ctx.id, from: null, to: account, amount, ts: ctx.ts, memo }, ctx.address, 0)
    return null
  }
}

const transfer: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'transfer data is { from?, to, amount, memo?, ref? }')
    return onlyFields(data, ['from', 'to', 'amount', 'memo', 'ref'], 'transfer') ??
      (data.from !== undefined && accountName(data.from) === null ? refuse('INVALID_ENTRY', 'from is a device key or a shared account name') : null) ??
      (accountName(data.to) === null ? refuse('INVALID_ENTRY', 'to is a device key or a shared account name') : null) ??
      (isAmount(data.amount) ? null : refuse('INVALID_ENTRY', 'amount is a positive integer in the smallest unit')) ??
      checkMemo(data.memo) ??
      (data.ref !== undefined && !(typeof data.ref === 'string' && data.ref.length > 0 && data.ref.length <= 128) ? refuse('INVALID_ENTRY', 'ref is 1-128 characters') : null)
  },
  async apply (ctx, data) {
    const d = data as { from?: string, to: string, amount: number, memo?: string, ref?: string }
    const from = d.from === undefined ? encodeKey(ctx.writer) : accountName(d.from) as string
    if (!(await maySpend(ctx, from, ctx.writer))) return refuse('NOT_AUTHORISED', `the writer may not spend from ${from}`)
    return moveMoney(ctx, { from, to: accountName(d.to) as string, amount: d.amount, memo: d.memo, ref: d.ref }, ctx.address, 0)
  }
}

function checkHolders (data: Record<string, unknown>, what: string): Refusal | null {
  if (!isName(data.account) || isKey(data.account)) return refuse('INVALID_ENTRY', `${what}: account is a name (not a device key)`)
  if (!Array.isArray(data.holders) || data.holders.length === 0 || data.holders.length > 256 || !data.holders.every(isKey)) {
    return refuse('INVALID_ENTRY', `${what}: holders is a list of 1-256 device keys`)
  }
  return null
}

function sharedAccountOp (open: boolean): OpHandler {
  const what = open ? 'account.open' : 'account.holders'
  return {
    check (data) {
      if (!isObject(data)) return refuse('INVALID_ENTRY', `${what} data is { account, holders }`)
      return onlyFields(data, ['account', 'holders'], what) ?? checkHolders(data, what)
    },
    async apply (ctx, data) {
      if ((await roleOf(ctx.batch, ctx.writer, ctx.genesis)) !== 'indexer') return refuse('NOT_AUTHORISED', 'only indexers manage shared accounts')
      const { account, holders } = data as { account: string, holders: string[] }
      const current = await sharedAccount(ctx, account)
      if (open && current !== null) return refuse('ACCOUNT_EXISTS', `account ${account} exists`)
      if (!open && current === null) return refuse('UNKNOWN_ACCOUNT', `no account ${account}`)
      const normal = [...new Set(holders.map((h) => encodeKey(keyOf(h))))].sort()
      const record: SharedAccount = current === null
        ? { holders: normal, openedBy: encodeKey(ctx.writer), openedAt: ctx.id }
        : { ...current, holders: normal }
      await putJson(ctx.batch, stateKeys.account(account), record)
      ctx.cache.accounts.set(account, JSON.parse(JSON.stringify(record)) as SharedAccount)
      return null
    }
  }
}

/** A payer's standing permission for a rule to charge it, up to `max` per charge. */
export interface Authorisation {
  max: number
  by: string
  at: string
}

function authoriseOp (grant: boolean): OpHandler {
  const what = grant ? 'account.authorise' : 'account.revoke'
  return {
    check (data) {
      if (!isObject(data)) return refuse('INVALID_ENTRY', `${what} data is { rule, account?, max }`)
      return onlyFields(data, grant ? ['rule', 'account', 'max'] : ['rule', 'account'], what) ??
        (isName(data.rule) ? null : refuse('INVALID_ENTRY', `${what}: rule is a rule id`)) ??
        (data.account !== undefined && accountName(data.account) === null ? refuse('INVALID_ENTRY', `${what}: account is a device key or shared account`) : null) ??
        (!grant || isAmount(data.max) ? null : refuse('INVALID_ENTRY', `${what}: max is a positive integer`))
    },
    async apply (ctx, data) {
      const d = data as { rule: string, account?: string, max?: number }
      const account = d.account === undefined ? encodeKey(ctx.writer) : accountName(d.account) as string
      if (!(await maySpend(ctx, account, ctx.writer))) return refuse('NOT_AUTHORISED', `the writer may not spend from ${account}`)
      if (grant) await putJson(ctx.batch, stateKeys.auth(account, d.rule), { max: d.max as number, by: encodeKey(ctx.writer), at: ctx.id } satisfies Authorisation)
      else await ctx.batch.del(stateKeys.auth(account, d.rule))
      return null
    }
  }
}

function checkMemo (memo: unknown): Refusal | null {
  return memo === undefined || (typeof memo === 'string' && memo.length <= 256) ? null : refuse('INVALID_ENTRY', 'memo is at most 256 characters')
}

/** The account handlers, by op type. */
export const accountOps: Record<string, OpHandler> = {
  mint,
  transfer,
  'account.open': sharedAccountOp(true),
  'account.holders': sharedAccountOp(false),
  'account.authorise': authoriseOp(true),
  'account.revoke': authoriseOp(false)
}
