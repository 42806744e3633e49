/**
 * The shapes of the ledger's policy (protocol 5) as `ledger.policy` sets it and the view keeps
 * it. Types only, so the apply context can name the policy it memoises (quorum.ts reads it).
 */

/** Who decides an action: one indexer (the default) or a majority of them. */
export type Quorum = 'single' | 'majority'

/** Auto-quarantine: `rejectedInARow` refused blocks in a row, or `share` of the last `window` blocks refused. */
export type AutoQuarantine = { rejectedInARow: number } | { share: number, window: number }

/** The ledger's policy, as `ledger.policy` sets it (every field has a default). */
export interface LedgerPolicy {
  /** Null (the default): no automatic quarantine. */
  autoQuarantine: AutoQuarantine | null
  quorum: { quarantine: Quorum, release: Quorum, remove: Quorum }
}

/** The policy in the view, with the indexer that set it and the entry that did. */
export interface PolicyRecord extends LedgerPolicy {
  by: string
  at: string
}
