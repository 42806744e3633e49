/**
 * The ledger's policy record and quorum votes (protocol 5). Under a `majority` quorum an indexer's
 * `member.quarantine`, `member.release` or `member.remove` (and any `ledger.policy` change) is a
 * vote: it takes effect once floor(n/2)+1 distinct indexers have voted for it, n being the
 * indexers at that point of the ledger's order. A vote of a device that is no longer an indexer
 * is dropped when the votes are counted. Without a policy, one indexer decides, as before.
 */
import type Hyperbee from 'hyperbee'
import { encodeKey } from '../keys.js'
import { memberKey, memberRange } from '../protocol/view-layout.js'
import { getJson, putJson, type ApplyCache, type OpContext } from './context.js'
import { stateKeys, ranges } from '../protocol/state-layout.js'
import type { AutoQuarantine, LedgerPolicy, PolicyRecord, Quorum } from './policy-types.js'

export type { AutoQuarantine, LedgerPolicy, PolicyRecord, Quorum }

/** The policy of a ledger that never set one: no auto-quarantine, one indexer decides everything. */
export const DEFAULT_POLICY: LedgerPolicy = { autoQuarantine: null, quorum: { quarantine: 'single', release: 'single', remove: 'single' } }

/** What a vote is for; the byte in its view key. */
export const VOTE_ACTIONS = { quarantine: 1, release: 2, remove: 3, policy: 4 } as const
export type VoteAction = keyof typeof VOTE_ACTIONS

/** The policy in force at this point of the view, or null for the defaults. */
export async function policyRecord (bee: Pick<Hyperbee.Batch, 'get'>): Promise<PolicyRecord | null> {
  return getJson<PolicyRecord>(bee, stateKeys.ledgerPolicy())
}

/** The policy in force, memoised for one apply call (`ledger.policy` updates the cache). */
export async function policyOf (bee: Pick<Hyperbee.Batch, 'get'>, cache: ApplyCache): Promise<LedgerPolicy> {
  if (cache.policy === undefined) cache.policy = await policyRecord(bee)
  return cache.policy ?? DEFAULT_POLICY
}

/** Whether `action` needs a majority of indexers under `policy`. */
export function needsMajority (policy: LedgerPolicy, action: VoteAction): boolean {
  if (action === 'policy') return Object.values(policy.quorum).includes('majority')
  return policy.quorum[action] === 'majority'
}

/** Active indexers at this point of the view (the creator counts before its own record exists). */
export async function indexerCount (batch: Pick<Hyperbee.Batch, 'createReadStream'>): Promise<number> {
  let n = 0
  for await (const node of batch.createReadStream(memberRange())) {
    const record = JSON.parse(node.value.toString()) as { role: string, removedAt?: string }
    if (record.removedAt === undefined && record.role === 'indexer') n++
  }
  return Math.max(1, n)
}

/** The majority of `n` indexers. */
export function majorityOf (n: number): number {
  return Math.floor(n / 2) + 1
}

/**
 * Record the writer's vote for `action` on `target` (a device key, or a policy's digest) and
 * count the votes of current indexers. Returns the voters (z32, sorted) once they are a majority,
 * and clears the votes then; null while the vote is still open. The writer is an indexer (the
 * caller checked).
 */
export async function vote (ctx: OpContext, action: VoteAction, target: Buffer, data: unknown): Promise<string[] | null> {
  const code = VOTE_ACTIONS[action]
  await putJson(ctx.batch, stateKeys.vote(code, target, ctx.writer), { at: ctx.id, data })
  const voters = new Set<string>([encodeKey(ctx.writer)])
  const cast: Buffer[] = []
  const dropped: Buffer[] = []
  // The dry run's overlay range-reads the view only: the writer's own vote is counted above.
  for await (const node of ctx.batch.createReadStream(ranges.votes(code, target))) {
    const voter = node.key.subarray(node.key.length - 32)
    const record = await getJson<{ role: string, removedAt?: string }>(ctx.batch, memberKey(voter))
    const indexer = record !== null ? record.removedAt === undefined && record.role === 'indexer' : voter.equals(ctx.genesis)
    if (indexer) voters.add(encodeKey(voter))
    else dropped.push(node.key)
    cast.push(node.key)
  }
  for (const k of dropped) await ctx.batch.del(k)
  if (voters.size < majorityOf(await indexerCount(ctx.batch))) return null
  for (const k of cast) await ctx.batch.del(k)
  await ctx.batch.del(stateKeys.vote(code, target, ctx.writer))
  return [...voters].sort()
}
