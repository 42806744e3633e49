/**
 * The words every layer shares about an op's fate and a member's standing: a refusal (a code and
 * a sentence), the codes apply records on rejected entries, and the two roles Autobase knows.
 * Protocol: a rejection code is stored in the view and compared across peers.
 */

/** A member's role: indexers sign finality and administer the ledger; writers only write. */
export type Role = 'indexer' | 'writer'

/** Why an op was refused: a code and a sentence. */
export interface Refusal {
  code: RejectionCode
  reason: string
}

/** Codes recorded on rejected entries (and raised locally as the same `MeshledgerError` codes). */
export type RejectionCode =
  | 'MALFORMED_BLOCK'
  | 'PROTOCOL_NOT_ACTIVE'
  | 'BLOCK_TOO_LARGE'
  | 'INVALID_ENTRY'
  | 'ENTRY_TOO_LARGE'
  | 'NOT_A_MEMBER'
  | 'NOT_AUTHORISED'
  | 'UNKNOWN_MEMBER'
  | 'LAST_INDEXER'
  | 'INSUFFICIENT_FUNDS'
  | 'UNKNOWN_ACCOUNT'
  | 'ACCOUNT_EXISTS'
  | 'DUPLICATE_REF'
  | 'UNKNOWN_ASSET'
  | 'ASSET_EXISTS'
  | 'NOT_OWNER'
  | 'UNKNOWN_RULE'
  | 'RULE_EXISTS'
  | 'NOT_PENDING'
  | 'INVITE_UNKNOWN'
  | 'INVITE_REVOKED'
  | 'INVITE_EXPIRED'
  | 'INVITE_USED'
  | 'INVALID_EVIDENCE'
  | 'FORKED'

/** Build a refusal. */
export function refuse (code: RejectionCode, reason: string): Refusal {
  return { code, reason }
}
