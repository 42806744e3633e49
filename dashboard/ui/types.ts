/**
 * The shapes of the API's answers the page reads (the fields it uses only).
 */

/** An entry, as `/v1/stream` and `/v1/entries` give it. */
export interface Entry {
  id: string
  writer: string
  type: string
  timestamp: number
  data: unknown
  status: string
}

/** A connected peer. */
export interface Peer {
  publicKey: string
  via: string
  address?: string
  connectedAt: number
  view: { result: string, position: string, length: number } | null
}

/** A writer's sync progress. */
export interface Writer { key: string, length: number, remoteLength: number, lag: number }

/** `/v1/status`. */
export interface Status {
  ledger: string
  device: string
  mode: string
  writable: boolean
  indexer: boolean
  protocol: { active: number }
  appended: { entries: number, blocks: number }
  view: { length: number, signedLength: number }
  writers: Writer[]
  peers: Peer[]
  viewCheck: { confirmedLength: number, peers: number, agreeing: number, mismatched: string[], unchecked: number }
}

/** A member of the ledger. */
export interface Member {
  key: string
  role: string
  removedAt?: string
  quarantined?: { by: string, at: string, reason?: string }
}

/** An invite as the ledger records it. */
export interface Invite { id: string, role: string, expires: number, uses: number, used: number, revokedBy?: string }

/** An asset and its flags. */
export interface Asset { id: string, kind: string, owner: string, status: string, flags: unknown[], steps: number }

/** One step of an asset's history. */
export interface AssetStep { n: number, op: string, entry: string, writer: string, ts: number, kind?: string, from?: string, to?: string, data?: unknown }

/** An alert a rule raised. */
export interface Alert { rule: string, message: string, level: string, asset?: string, ts: number }

/** A recorded fork. */
export interface Fork { key: string, reportedBy: string, at: string, length: number }

/** The audit's report, as far as the page shows it. */
export interface Audit {
  at: number | null
  report: { ok: boolean, took: number, viewLength: number, problems: Array<{ code: string, message: string }>, writers: Array<{ key: string, entries: number, problem?: { code: string } | null }> } | null
}
