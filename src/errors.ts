/**
 * Every error meshledger raises on purpose is a {@link MeshledgerError} with a stable string
 * `code`; the message reads `CODE: text`. Callers (and the HTTP and CLI layers) branch on `code`,
 * never on message text.
 */

/** The stable codes of {@link MeshledgerError}. */
export type ErrorCode =
  | 'INVALID_ENTRY'
  | 'INVALID_KEY'
  | 'INVALID_ID'
  | 'INVALID_OPTION'
  | 'ENTRY_TOO_LARGE'
  | 'NOT_FOUND'
  | 'NOT_WRITABLE'
  | 'NOT_AUTHORISED'
  | 'ENTRY_REJECTED'
  | 'LEDGER_MISMATCH'
  | 'STORAGE_LOCKED'
  | 'LEDGER_CLOSED'
  | 'UPGRADE_REQUIRED'
  | 'TIMEOUT'
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

/** Codes an op refusal carries over unchanged when it is raised locally. */
const REFUSAL_CODES = new Set<string>([
  'INVALID_ENTRY', 'ENTRY_TOO_LARGE', 'NOT_AUTHORISED', 'UNKNOWN_MEMBER', 'LAST_INDEXER', 'INSUFFICIENT_FUNDS',
  'UNKNOWN_ACCOUNT', 'ACCOUNT_EXISTS', 'DUPLICATE_REF', 'UNKNOWN_ASSET', 'ASSET_EXISTS', 'NOT_OWNER',
  'UNKNOWN_RULE', 'RULE_EXISTS', 'NOT_PENDING'
])

/** An error with a stable `code`, raised for bad input, bad state or refused operations. */
export class MeshledgerError extends Error {
  /** The stable code, e.g. `INVALID_ENTRY`. */
  readonly code: ErrorCode

  constructor (code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options)
    this.name = 'MeshledgerError'
    this.code = code
  }

  static invalidEntry (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_ENTRY', message)
  }

  static invalidKey (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_KEY', message)
  }

  static invalidId (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_ID', message)
  }

  static invalidOption (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_OPTION', message)
  }

  static entryTooLarge (message: string): MeshledgerError {
    return new MeshledgerError('ENTRY_TOO_LARGE', message)
  }

  static notFound (message: string): MeshledgerError {
    return new MeshledgerError('NOT_FOUND', message)
  }

  static notWritable (message: string): MeshledgerError {
    return new MeshledgerError('NOT_WRITABLE', message)
  }

  static notAuthorised (message: string): MeshledgerError {
    return new MeshledgerError('NOT_AUTHORISED', message)
  }

  static entryRejected (message: string): MeshledgerError {
    return new MeshledgerError('ENTRY_REJECTED', message)
  }

  static ledgerMismatch (message: string): MeshledgerError {
    return new MeshledgerError('LEDGER_MISMATCH', message)
  }

  static storageLocked (message: string, cause?: unknown): MeshledgerError {
    return new MeshledgerError('STORAGE_LOCKED', message, { cause })
  }

  static ledgerClosed (): MeshledgerError {
    return new MeshledgerError('LEDGER_CLOSED', 'the ledger is closed')
  }

  static timeout (message: string): MeshledgerError {
    return new MeshledgerError('TIMEOUT', message)
  }

  /** The local twin of a rejection apply would record: same code where one exists. */
  static fromRefusal (refusal: { code: string, reason: string }): MeshledgerError {
    if (refusal.code === 'NOT_A_MEMBER') return new MeshledgerError('NOT_WRITABLE', refusal.reason)
    const code = REFUSAL_CODES.has(refusal.code) ? refusal.code as ErrorCode : 'INVALID_ENTRY'
    return new MeshledgerError(code, refusal.reason)
  }

  static upgradeRequired (message: string): MeshledgerError {
    return new MeshledgerError('UPGRADE_REQUIRED', message)
  }
}

/** True for a {@link MeshledgerError}, optionally with the given code. */
export function isMeshledgerError (err: unknown, code?: ErrorCode): err is MeshledgerError {
  return err instanceof MeshledgerError && (code === undefined || err.code === code)
}
