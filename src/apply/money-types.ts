/**
 * The shapes money takes in apply and in the view: shared accounts, transfers, and what one node
 * has changed and not yet written (protocol 6, see transfer-batch.ts). A leaf: context.ts needs
 * them for ApplyCache, and accounts.ts needs context.ts.
 */
import type { EntryAddress } from '../protocol/entry-id.js'

/** A shared account's record. */
export interface SharedAccount {
  holders: string[]
  openedBy: string
  openedAt: string
}

/** One movement of money, as the view stores it. */
export interface Transfer {
  /** The entry that caused it (the transfer op, or the entry that triggered a rule). */
  id: string
  from: string | null
  to: string
  amount: number
  ts: number
  memo?: string
  ref?: string
  /** Set when a rule made the transfer. */
  rule?: string
}

/** One transfer waiting for the end of its node. */
export interface PendingTransfer {
  trigger: EntryAddress
  n: number
  /** The transfer's JSON, encoded once. */
  json: string
  ts: number
  from: string | null
  to: string
}

/** What a node has changed and not yet written (see ApplyCache). */
export interface PendingMoney {
  balances: Set<string>
  /** Ref key (hex) to the id of the transfer that used it. */
  refs: Map<string, string>
  transfers: PendingTransfer[]
}

/** Nothing pending. */
export function pendingMoney (): PendingMoney {
  return { balances: new Set(), refs: new Map(), transfers: [] }
}
