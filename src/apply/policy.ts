/**
 * `ledger.policy` (protocol 5, indexers): how the ledger itself reacts to misbehaviour, decided
 * in apply so every peer agrees.
 *
 * - `autoQuarantine`: `{ rejectedInARow: N }` quarantines a writer whose last N blocks were all
 *   refused, `{ share, window }` one with at least ceil(share × window) refused blocks among its
 *   last `window`. Blocks are counted in the ledger's order, from the policy on; a block counts as
 *   refused when the ledger applied none of its ops (not JSON, wrong shape, a protocol the ledger
 *   has not activated, every op rejected). The quarantine is the ledger's own (`by: 'policy'`),
 *   recorded with its evidence: the ids of the refused blocks. Indexers are never quarantined
 *   automatically: a quarantined last indexer could not even release itself.
 * - `quorum`: `'majority'` for `quarantine`, `release` or `remove` makes each of those ops a vote
 *   (see quorum.ts). While any quorum is a majority, changing the policy is a vote too, so one
 *   indexer cannot turn the quorum off on its own.
 *
 * A `ledger.policy` op replaces the whole policy: absent fields take their defaults.
 */
import { createHash } from 'node:crypto'
import type Hyperbee from 'hyperbee'
import { formatId } from '../protocol/entry-id.js'
import { encodeKey } from '../keys.js'
import { memberKey } from '../protocol/view-layout.js'
import { refuse } from '../protocol/vocabulary.js'
import { getJson, isObject, onlyFields, putJson, type ApplyCache, type OpHandler } from './context.js'
import { memberRecord, roleOf, type MemberRecord } from './membership.js'
import { DEFAULT_POLICY, needsMajority, policyOf, vote, type AutoQuarantine, type LedgerPolicy, type PolicyRecord, type Quorum } from './quorum.js'
import { stateKeys } from '../protocol/state-layout.js'

/** Largest `rejectedInARow` and `window`: bounds the per-writer record apply keeps. */
export const MAX_POLICY_WINDOW = 1000

/** A writer's recent block outcomes: the current run of refused blocks, the last blocks' seqs and verdicts. */
interface Outcomes {
  run: number
  /** `[seq, 1]` for a refused block, `[seq, 0]` for an applied one; oldest first. */
  last: Array<[number, 0 | 1]>
}

function isCount (value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 1 && (value as number) <= MAX_POLICY_WINDOW
}

function checkAuto (value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (!isObject(value)) return 'autoQuarantine is { rejectedInARow } or { share, window }, or null'
  if ('rejectedInARow' in value) {
    if (Object.keys(value).length !== 1) return 'autoQuarantine { rejectedInARow } has no other field'
    return isCount(value.rejectedInARow) ? null : `rejectedInARow is an integer from 1 to ${MAX_POLICY_WINDOW}`
  }
  if (Object.keys(value).some((k) => k !== 'share' && k !== 'window')) return 'autoQuarantine { share, window } has no other field'
  const { share, window } = value
  if (typeof share !== 'number' || !Number.isFinite(share) || share <= 0 || share > 1) return 'share is a number above 0, at most 1'
  return isCount(window) ? null : `window is an integer from 1 to ${MAX_POLICY_WINDOW}`
}

function checkQuorum (value: unknown): string | null {
  if (value === undefined) return null
  if (!isObject(value)) return 'quorum is { quarantine, release, remove }'
  for (const [k, v] of Object.entries(value)) {
    if (k !== 'quarantine' && k !== 'release' && k !== 'remove') return `quorum has no field ${k}`
    if (v !== 'single' && v !== 'majority') return `quorum.${k} is 'single' or 'majority'`
  }
  return null
}

/** The policy `data` (already checked) sets, every default filled in, in one canonical shape. */
export function normalisePolicy (data: unknown): LedgerPolicy {
  const d = data as { autoQuarantine?: AutoQuarantine | null, quorum?: Partial<LedgerPolicy['quorum']> }
  const q = d.quorum ?? {}
  const auto = d.autoQuarantine ?? null
  return {
    autoQuarantine: auto === null ? null : 'rejectedInARow' in auto ? { rejectedInARow: auto.rejectedInARow } : { share: auto.share, window: auto.window },
    quorum: {
      quarantine: q.quarantine ?? DEFAULT_POLICY.quorum.quarantine,
      release: q.release ?? DEFAULT_POLICY.quorum.release,
      remove: q.remove ?? DEFAULT_POLICY.quorum.remove
    } satisfies Record<string, Quorum>
  }
}

const setPolicy: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'ledger.policy data is { autoQuarantine, quorum }')
    const fields = onlyFields(data, ['autoQuarantine', 'quorum'], 'ledger.policy')
    if (fields !== null) return fields
    const wrong = checkAuto(data.autoQuarantine) ?? checkQuorum(data.quorum)
    return wrong === null ? null : refuse('INVALID_ENTRY', wrong)
  },
  async apply (ctx, data) {
    if ((await roleOf(ctx.batch, ctx.writer, ctx.genesis)) !== 'indexer') return refuse('NOT_AUTHORISED', 'only indexers may set the ledger\'s policy')
    const next = normalisePolicy(data)
    if (needsMajority(await policyOf(ctx.batch, ctx.cache), 'policy')) {
      const digest = createHash('sha256').update(JSON.stringify(next)).digest()
      if ((await vote(ctx, 'policy', digest, next)) === null) return null
    }
    const record: PolicyRecord = { ...next, by: encodeKey(ctx.writer), at: ctx.id }
    await putJson(ctx.batch, stateKeys.ledgerPolicy(), record)
    ctx.cache.policy = record
    return null
  }
}

/**
 * Count one block of `writer` (block `seq`) for the auto-quarantine policy, once apply has
 * decided it: `refused` when none of its ops was applied. Quarantines the writer when the policy
 * says so. Does nothing (and writes nothing) without an auto-quarantine policy, or for a writer
 * that is not an active, unquarantined member with the writer role.
 */
export async function countBlock (batch: Hyperbee.Batch, cache: ApplyCache, writer: Buffer, seq: number, refused: boolean): Promise<void> {
  const auto = (await policyOf(batch, cache)).autoQuarantine
  if (auto === null) return
  const member = await memberRecord(batch, writer)
  if (member === null || member.removedAt !== undefined || member.quarantined !== undefined || member.role !== 'writer') return
  const outcomes = await getJson<Outcomes>(batch, stateKeys.outcomes(writer)) ?? { run: 0, last: [] }
  const size = 'rejectedInARow' in auto ? auto.rejectedInARow : auto.window
  outcomes.run = refused ? outcomes.run + 1 : 0
  outcomes.last.push([seq, refused ? 1 : 0])
  if (outcomes.last.length > size) outcomes.last.splice(0, outcomes.last.length - size)
  const refusedSeqs = outcomes.last.filter(([, r]) => r === 1).map(([s]) => s)
  const tripped = 'rejectedInARow' in auto
    ? outcomes.run >= auto.rejectedInARow
    : refusedSeqs.length >= Math.max(1, Math.ceil(auto.share * auto.window))
  if (!tripped) {
    await putJson(batch, stateKeys.outcomes(writer), outcomes)
    return
  }
  const reason = 'rejectedInARow' in auto
    ? `policy: ${auto.rejectedInARow} refused blocks in a row`
    : `policy: ${refusedSeqs.length} of the last ${auto.window} blocks refused`
  const next: MemberRecord = {
    ...member,
    quarantined: { by: 'policy', at: formatId(writer, seq, 0), reason, evidence: refusedSeqs.map((s) => formatId(writer, s, 0)) }
  }
  await putJson(batch, memberKey(writer), next)
  await batch.del(stateKeys.outcomes(writer))
}

/** The policy handlers, by op type. */
export const policyOps: Record<string, OpHandler> = {
  'ledger.policy': setPolicy
}
