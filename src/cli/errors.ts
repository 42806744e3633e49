/**
 * Errors of the command line and how they become an exit code and one line on stderr.
 */
import { MeshledgerError, type ErrorCode } from '../errors.js'
import { DaemonError, statusOf, type ApiErrorCode } from '../daemon/api-errors.js'
import { storageFailure } from '../replica/storage-errors.js'
import { EXIT } from './constants.js'

/**
 * Codes of a {@link CliError}: what the API answered (`ApiErrorCode`, or `HTTP_<status>` from
 * something that is not a meshledger daemon), and what the command line finds itself: no daemon
 * to reach, the in-process API failing, a stream or an export that cannot go on.
 */
export type CliErrorCode = ApiErrorCode | `HTTP_${number}` | 'DAEMON_UNREACHABLE' | 'STREAM_ENDED' | 'EXPORT_STUCK'

/** Bad command line: unknown command or flag, missing argument, bad JSON argument (exit 2). */
export class UsageError extends Error {
  /** `USAGE`, or the code of the error that made the input unusable (e.g. `INVALID_OPTION`). */
  readonly code: 'USAGE' | ErrorCode

  constructor (message: string, code: 'USAGE' | ErrorCode = 'USAGE') {
    super(message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message)
    this.code = code
  }
}

/** An error answered by the API (`{ error: { code, message } }`) or raised by the client. */
export class CliError extends Error {
  /** The stable code, e.g. `NOT_FOUND` or `DAEMON_UNREACHABLE`. */
  readonly code: CliErrorCode
  /** The HTTP status it came with, if it came over HTTP. */
  readonly status: number | null

  constructor (code: CliErrorCode, message: string, status: number | null = null) {
    super(message.startsWith(`${code}: `) ? message.slice(code.length + 2) : message)
    this.code = code
    this.status = status
  }
}

/** The exit code for an error. */
export function exitCodeOf (err: unknown): number {
  if (err instanceof UsageError) return EXIT.usage
  err = storageFailure(err) ?? err
  let code: CliErrorCode | null = null
  let status: number | null = null
  if (err instanceof CliError) {
    code = err.code
    status = err.status
  } else if (err instanceof MeshledgerError || err instanceof DaemonError) {
    code = err.code
    status = statusOf(err.code)
  }
  if (code === 'DAEMON_UNREACHABLE') return EXIT.unreachable
  if (code === 'STORAGE_FULL' || status === 507) return EXIT.storageFull
  if (code === 'STORAGE_DAMAGED') return EXIT.storageDamaged
  if (code === 'NOT_FOUND' || status === 404) return EXIT.notFound
  if (status !== null && status >= 400 && status < 500) return EXIT.rejected
  return EXIT.failed
}

/** An error's code (`ERROR` when it has none) and the first line of its message, without the code. */
export function errorParts (err: unknown): { code: string, message: string } {
  const e = (storageFailure(err) ?? err) as { code?: unknown, message?: unknown }
  const code = typeof e?.code === 'string' ? e.code : 'ERROR'
  let message = typeof e?.message === 'string' ? e.message : String(err)
  if (message.startsWith(`${code}: `)) message = message.slice(code.length + 2)
  return { code, message: message.split('\n')[0] }
}

/**
 * Print an error on stderr and answer its exit code: one line, `meshledger <command>: CODE:
 * message` (with a pointer to the command's help for usage errors), or with `json` one JSON line
 * `{"error":{"code","message"}}`. Either way stdout holds only results.
 */
export function reportError (command: string, err: unknown, json: boolean): number {
  const code = exitCodeOf(err)
  if (json) process.stderr.write(JSON.stringify({ error: errorParts(err) }) + '\n')
  else process.stderr.write(errorLine(command, err) + (code === EXIT.usage && command !== '' ? ` (see meshledger help ${command})` : '') + '\n')
  return code
}

/** The one line printed for an error: `meshledger <command>: CODE: message`. */
export function errorLine (command: string, err: unknown): string {
  const { code, message } = errorParts(err)
  return `meshledger${command === '' ? '' : ' ' + command}: ${code}: ${message}`
}
