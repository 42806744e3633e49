/**
 * What `ledger.verify()` answers: one verdict, the live and rebuilt view hashes, one line per
 * writer log, and every problem found, each with a stable code.
 */
import type { AuditCode, MeshledgerError } from '../errors.js'
import type { DeviceKey } from '../keys.js'
import type { Role } from '../protocol/vocabulary.js'

/** Options of `ledger.verify()`. */
export interface VerifyOptions {
  /** Folder to create the scratch copies in (removed afterwards). Default: the OS temp folder. */
  tmpdir?: string
  /**
   * A log copy or the rebuild that makes no progress for this long (ms) is reported
   * (`LOG_UNREADABLE`, `REBUILD_STALLED`). Default 10 000.
   */
  stallTimeout?: number
}

/** One thing `verify()` found wrong. */
export interface AuditProblem {
  code: AuditCode
  /** `CODE: text`, naming the log or the view block. */
  message: string
  /** The writer whose log it is about. */
  writer?: DeviceKey
  /** The first block found wrong (of the log, or of the view), when known. */
  block?: number
}

/** What the live view says of one writer. */
export interface WriterCounts {
  /** Entries of it in the view, and how many of those were rejected, by code. */
  entries: number
  rejected: number
  rejections: Record<string, number>
  /** Entries held out of the view (written while the device was quarantined). */
  held: number
  /** Device time of its first and last entry (ms since the epoch), null without entries. */
  first: number | null
  last: number | null
}

/** The audit of one writer log. */
export interface WriterAudit extends WriterCounts {
  key: DeviceKey
  /** Its role in the ledger (as it was, for a removed member); null when it is no member. */
  role: Role | null
  removed: boolean
  /** Blocks in the log, as its signed length says. */
  length: number
  /** Blocks of it this device stores (each one re-checked). */
  stored: number
  ok: boolean
  problem?: AuditProblem
}

/** The answer of `ledger.verify()`. */
export interface VerifyReport {
  /** True when every log checks and the rebuilt view equals the live one. */
  ok: boolean
  /** Hash of the live view (see `ledger.hash()`), and of the view rebuilt from the logs. */
  viewHash: string
  /** Null when no rebuild was attempted (a damaged log would stall it) or it stalled. */
  rebuiltHash: string | null
  /** Length of the live view (blocks) the comparison was made at. */
  viewLength: number
  writers: WriterAudit[]
  problems: AuditProblem[]
  /** How long the audit took, ms. */
  took: number
}

/** A problem from a coded error. */
export function problemOf (err: MeshledgerError, where: { writer?: DeviceKey, block?: number } = {}): AuditProblem {
  return { code: err.code as AuditCode, message: err.message, ...where }
}
