/**
 * Forks: `fork.evidence` records proof that a device signed two histories of its log (see
 * fork-evidence.ts), and quarantines the device for good (release is refused: each peer holds
 * whichever history reached it first). Any member may report one: the evidence speaks
 * for itself, and apply checks it from the op's data alone. Evidence that does not prove a fork is
 * rejected (`INVALID_EVIDENCE`) and changes nothing; the first valid evidence against a device
 * stands, later reports of the same fork are accepted and change nothing.
 */
import { MAX_MANIFEST_BYTES, MAX_PROOF_BYTES, proveFork, type ForkEvidence, type SignedStatement } from '../proofs/fork-evidence.js'
import { encodeKey } from '../keys.js'
import { memberRecord, quarantined, type MemberRecord } from './membership.js'
import { memberKey } from '../protocol/view-layout.js'
import { refuse } from '../protocol/vocabulary.js'
import { getJson, isKey, isObject, keyOf, onlyFields, putJson, type OpHandler } from './context.js'
import { stateKeys } from '../protocol/state-layout.js'

/** A recorded fork, as the view stores it. */
export interface ForkRecord {
  /** The member that reported it. */
  reportedBy: string
  /** Id of the `fork.evidence` entry. */
  at: string
  /** A length of the device's log at which its two signed histories differ. */
  length: number
  statements: [SignedStatement, SignedStatement]
  /** The evidence itself, to check again offline. */
  evidence: ForkEvidence
}

const HEX = /^(?:[0-9a-f]{2})+$/

function hexOf (value: unknown, max: number): boolean {
  return typeof value === 'string' && value.length <= 2 * max && HEX.test(value)
}

const evidence: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'fork.evidence data is { key, manifest, proofs }')
    const { key, manifest, proofs } = data
    return onlyFields(data, ['key', 'manifest', 'proofs'], 'fork.evidence') ??
      (isKey(key) ? null : refuse('INVALID_ENTRY', 'key is the forked device\'s key')) ??
      (hexOf(manifest, MAX_MANIFEST_BYTES) ? null : refuse('INVALID_ENTRY', `manifest is hex, at most ${MAX_MANIFEST_BYTES} bytes`)) ??
      (Array.isArray(proofs) && proofs.length === 2 && proofs.every((p) => hexOf(p, MAX_PROOF_BYTES))
        ? null
        : refuse('INVALID_ENTRY', `proofs are two hex strings of at most ${MAX_PROOF_BYTES} bytes`))
  },
  async apply (ctx, data) {
    const { key: k, manifest, proofs } = data as { key: string, manifest: string, proofs: [string, string] }
    const key = keyOf(k)
    const proven = proveFork(key, manifest, proofs)
    if ('code' in proven) return proven
    const member = await memberRecord(ctx.batch, key)
    if (member === null) return refuse('UNKNOWN_MEMBER', 'the forked log is not a member\'s')
    if ((await getJson(ctx.batch, stateKeys.fork(key))) !== null) return null
    const record: ForkRecord = {
      reportedBy: encodeKey(ctx.writer),
      at: ctx.id,
      length: proven.length,
      statements: proven.statements,
      evidence: { key: encodeKey(key), manifest, proofs }
    }
    await putJson(ctx.batch, stateKeys.fork(key), record)
    const active = member.removedAt === undefined && member.quarantined === undefined
    const next: MemberRecord = { ...(active ? quarantined(member, ctx.writer, ctx.id, 'fork') : member), forkedAt: ctx.id }
    await putJson(ctx.batch, memberKey(key), next)
    return null
  }
}

/** The fork handlers, by op type. */
export const forkOps: Record<string, OpHandler> = {
  'fork.evidence': evidence
}
