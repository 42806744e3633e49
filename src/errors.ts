/**
 * Every error meshledger raises on purpose is a {@link MeshledgerError} with a stable string
 * `code`; the message reads `CODE: text`. Callers (and the HTTP and CLI layers) branch on `code`,
 * never on message text.
 */
import type { RejectionCode } from './protocol/vocabulary.js'

/** Rejection codes a local check raises as they are (the rest map to INVALID_ENTRY / NOT_WRITABLE). */
type LocalRefusal = Exclude<RejectionCode, 'MALFORMED_BLOCK' | 'BLOCK_TOO_LARGE' | 'NOT_A_MEMBER'>

/** The stable codes of {@link MeshledgerError}: every local refusal of an op, and these. */
export type ErrorCode =
  | LocalRefusal
  | 'INVALID_KEY'
  | 'INVALID_ID'
  | 'INVALID_OPTION'
  | 'NOT_READY'
  | 'NOT_FOUND'
  | 'NOT_WRITABLE'
  | 'ENTRY_REJECTED'
  | 'LEDGER_MISMATCH'
  | 'STORAGE_LOCKED'
  | 'STORAGE_COPIED'
  | 'STORAGE_FULL'
  | 'STORAGE_DAMAGED'
  | 'RESTORE_PENDING'
  | 'LEDGER_CLOSED'
  | 'UPGRADE_REQUIRED'
  | 'TIMEOUT'
  | 'INVALID_INVITE'
  | 'INVITE_REJECTED'
  | 'INVITE_TIMEOUT'
  | 'ENCRYPTION_KEY_REQUIRED'
  | 'INVALID_RECEIPT'
  | 'NOT_PROVABLE'
  | AuditCode

/**
 * What `ledger.verify()` can find wrong: a writer log whose stored data fails its signed Merkle
 * tree, or that this device cannot read back; a view that differs from the one rebuilt from the
 * logs, or that cannot be read back; a rebuild that stopped making progress; this device's own log
 * holding fewer blocks (or another history) than it recorded as written (acknowledged entries lost);
 * a local index (protocol 7) that differs from what the view's block records call for.
 */
export type AuditCode = 'LOG_TRUNCATED' | 'LOG_DAMAGED' | 'LOG_UNREADABLE' | 'VIEW_MISMATCH' | 'VIEW_UNREADABLE' | 'REBUILD_STALLED' | 'INDEX_MISMATCH'

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

  /** A receipt that does not prove what it claims (altered, wrong key, another ledger). */
  static invalidReceipt (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_RECEIPT', message)
  }

  /** An entry no receipt can be made for (rejected, held, or its block is not held here). */
  static notProvable (message: string): MeshledgerError {
    return new MeshledgerError('NOT_PROVABLE', message)
  }

  static invalidId (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_ID', message)
  }

  static invalidOption (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_OPTION', message)
  }

  /** A call that needs an open ledger, made before `ready()` resolved. */
  static notReady (message = 'call await ledger.ready() first'): MeshledgerError {
    return new MeshledgerError('NOT_READY', message)
  }

  static invalidInvite (message: string): MeshledgerError {
    return new MeshledgerError('INVALID_INVITE', message)
  }

  static inviteRejected (message: string): MeshledgerError {
    return new MeshledgerError('INVITE_REJECTED', message)
  }

  static inviteTimeout (message: string): MeshledgerError {
    return new MeshledgerError('INVITE_TIMEOUT', message)
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

  static storageCopied (message: string, cause?: unknown): MeshledgerError {
    return new MeshledgerError('STORAGE_COPIED', message, { cause })
  }

  /**
   * The disk under the ledger's storage is full: the write was refused and not acknowledged.
   * Storage closes itself after such a failure; the daemon reopens it once space is back.
   */
  static storageFull (message: string, cause?: unknown): MeshledgerError {
    return new MeshledgerError('STORAGE_FULL', message, { cause })
  }

  /**
   * The storage folder holds less than this device wrote (its own log lost acknowledged blocks),
   * or RocksDB cannot open it at all: writing now would fork the device's log.
   */
  static storageDamaged (message: string, cause?: unknown): MeshledgerError {
    return new MeshledgerError('STORAGE_DAMAGED', message, { cause })
  }

  /**
   * The folder was restored from a backup: this device's log may be shorter than what it wrote
   * after the backup, so it writes nothing until peers have given its log back.
   */
  static restorePending (message: string): MeshledgerError {
    return new MeshledgerError('RESTORE_PENDING', message)
  }

  /** `cause`: what the close ended (a read it cancelled). */
  static ledgerClosed (cause?: unknown): MeshledgerError {
    return new MeshledgerError('LEDGER_CLOSED', 'the ledger is closed', cause === undefined ? undefined : { cause })
  }

  static timeout (message: string): MeshledgerError {
    return new MeshledgerError('TIMEOUT', message)
  }

  /** The local twin of a rejection apply would record: same code where one exists. */
  static fromRefusal (refusal: { code: RejectionCode, reason: string }): MeshledgerError {
    const { code, reason } = refusal
    if (code === 'NOT_A_MEMBER') return new MeshledgerError('NOT_WRITABLE', reason)
    if (code === 'MALFORMED_BLOCK' || code === 'BLOCK_TOO_LARGE') return new MeshledgerError('INVALID_ENTRY', reason)
    return new MeshledgerError(code, reason)
  }

  static encryptionKeyRequired (): MeshledgerError {
    return new MeshledgerError('ENCRYPTION_KEY_REQUIRED', 'the ledger is encrypted and this device was not given its encryption key (join with an invite)')
  }

  static forked (message: string): MeshledgerError {
    return new MeshledgerError('FORKED', message)
  }

  /** An op of a protocol the ledger has not activated: nothing was appended. */
  static protocolNotActive (message: string): MeshledgerError {
    return new MeshledgerError('PROTOCOL_NOT_ACTIVE', message)
  }

  static upgradeRequired (message: string): MeshledgerError {
    return new MeshledgerError('UPGRADE_REQUIRED', message)
  }

  static logTruncated (message: string): MeshledgerError {
    return new MeshledgerError('LOG_TRUNCATED', message)
  }

  static logDamaged (message: string): MeshledgerError {
    return new MeshledgerError('LOG_DAMAGED', message)
  }

  static logUnreadable (message: string): MeshledgerError {
    return new MeshledgerError('LOG_UNREADABLE', message)
  }

  static viewMismatch (message: string): MeshledgerError {
    return new MeshledgerError('VIEW_MISMATCH', message)
  }

  static viewUnreadable (message: string): MeshledgerError {
    return new MeshledgerError('VIEW_UNREADABLE', message)
  }

  static rebuildStalled (message: string): MeshledgerError {
    return new MeshledgerError('REBUILD_STALLED', message)
  }

  static indexMismatch (message: string): MeshledgerError {
    return new MeshledgerError('INDEX_MISMATCH', message)
  }
}

/** True for a {@link MeshledgerError}, optionally with the given code. */
export function isMeshledgerError (err: unknown, code?: ErrorCode): err is MeshledgerError {
  return err instanceof MeshledgerError && (code === undefined || err.code === code)
}
