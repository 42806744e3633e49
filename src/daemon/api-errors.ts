/**
 * The daemon's side of the error model: the codes only the daemon raises (`DaemonErrorCode`),
 * their error class, and the one table from every code the HTTP API answers to its status. The
 * CLI imports it to read the API's answers; the library knows nothing of HTTP.
 */
import type { ErrorCode } from '../errors.js'

/**
 * Codes only the daemon raises: a malformed request, a missing or wrong token, a body over the
 * limit, a body that is not JSON, a method the route does not take, a second daemon on a folder
 * one already serves, an API port another program (or another daemon) holds, a dashboard write
 * without its CSRF token or from another origin, and a bug (`INTERNAL`, logged).
 */
export type DaemonErrorCode = 'INVALID_REQUEST' | 'UNAUTHORISED' | 'BODY_TOO_LARGE' | 'UNSUPPORTED_MEDIA_TYPE' | 'METHOD_NOT_ALLOWED' | 'DAEMON_RUNNING' | 'PORT_IN_USE' | 'CSRF_REJECTED' | 'INTERNAL'

/** Every code the HTTP API answers in `{ error: { code, message } }`. */
export type ApiErrorCode = ErrorCode | DaemonErrorCode

const STATUS: Partial<Record<ApiErrorCode, number>> = {
  INVALID_ENTRY: 400,
  INVALID_KEY: 400,
  INVALID_ID: 400,
  INVALID_OPTION: 400,
  INVALID_REQUEST: 400,
  ENTRY_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  METHOD_NOT_ALLOWED: 405,
  UNAUTHORISED: 401,
  CSRF_REJECTED: 403,
  NOT_WRITABLE: 403,
  NOT_AUTHORISED: 403,
  NOT_OWNER: 403,
  NOT_FOUND: 404,
  UNKNOWN_ACCOUNT: 422,
  UNKNOWN_ASSET: 422,
  UNKNOWN_MEMBER: 422,
  UNKNOWN_RULE: 422,
  NOT_PENDING: 422,
  INSUFFICIENT_FUNDS: 409,
  DUPLICATE_REF: 409,
  ASSET_EXISTS: 409,
  ACCOUNT_EXISTS: 409,
  RULE_EXISTS: 409,
  LAST_INDEXER: 409,
  PROTOCOL_NOT_ACTIVE: 409,
  ENTRY_REJECTED: 409,
  INVALID_INVITE: 400,
  INVITE_REJECTED: 403,
  INVITE_UNKNOWN: 422,
  INVITE_REVOKED: 409,
  INVITE_EXPIRED: 409,
  INVITE_USED: 409,
  INVALID_EVIDENCE: 422,
  FORKED: 409,
  INVITE_TIMEOUT: 504,
  ENCRYPTION_KEY_REQUIRED: 403,
  NOT_PROVABLE: 409,
  INVALID_RECEIPT: 422,
  TIMEOUT: 504,
  UPGRADE_REQUIRED: 503,
  STORAGE_FULL: 507,
  // The device cannot write until peers give its log back (or at all, if RocksDB cannot open):
  // a server-side condition that may clear by itself, not a fault of the request.
  STORAGE_DAMAGED: 503,
  RESTORE_PENDING: 503,
  LEDGER_CLOSED: 503,
  NOT_READY: 503
}


/** The HTTP status for an error code (500 for any code without its own). */
export function statusOf (code: ApiErrorCode): number {
  return STATUS[code] ?? 500
}

/** An error of the daemon itself, shaped as {@link MeshledgerError}: a stable `code`, message `CODE: text`. */
export class DaemonError extends Error {
  /** The stable code, e.g. `UNAUTHORISED`. */
  readonly code: DaemonErrorCode

  constructor (code: DaemonErrorCode, message: string, options?: { cause?: unknown }) {
    super(`${code}: ${message}`, options)
    this.name = 'DaemonError'
    this.code = code
  }

  static invalidRequest (message: string): DaemonError {
    return new DaemonError('INVALID_REQUEST', message)
  }

  static unauthorised (): DaemonError {
    return new DaemonError('UNAUTHORISED', 'a valid bearer token is required (see <data>/api-token)')
  }

  static bodyTooLarge (limit: number): DaemonError {
    return new DaemonError('BODY_TOO_LARGE', `request bodies are limited to ${limit} bytes`)
  }

  static unsupportedMediaType (type: string): DaemonError {
    return new DaemonError('UNSUPPORTED_MEDIA_TYPE', `bodies are application/json, not ${type}`)
  }

  /** `allowed`: the methods the path takes, as the `Allow` header lists them. */
  static methodNotAllowed (method: string, path: string, allowed: string): DaemonError {
    return new DaemonError('METHOD_NOT_ALLOWED', `${method} is not allowed on ${path} (allowed: ${allowed})`)
  }

  /** A write made with a dashboard session cookie lacks the session's CSRF token or its origin. */
  static csrfRejected (message: string): DaemonError {
    return new DaemonError('CSRF_REJECTED', message)
  }

  /** The folder's storage lock is held by a running daemon (its address in the message). */
  static daemonRunning (message: string): DaemonError {
    return new DaemonError('DAEMON_RUNNING', message)
  }

  /** The API's port is held by another program or another daemon (what holds it, and the fix, in the message). */
  static portInUse (message: string): DaemonError {
    return new DaemonError('PORT_IN_USE', message)
  }
}

/** True for a {@link DaemonError}, optionally with the given code. */
export function isDaemonError (err: unknown, code?: DaemonErrorCode): err is DaemonError {
  return err instanceof DaemonError && (code === undefined || err.code === code)
}
