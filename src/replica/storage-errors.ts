/**
 * Storage failures as coded errors: a full disk and a store that fails its own checksums, told
 * apart from anything else RocksDB raises. No storage imports, so the CLI can load it cheaply.
 */
import { MeshledgerError } from '../errors.js'

/** How deep {@link isDiskFull} follows `cause` and `errors`: RocksDB wraps twice at most. */
const MAX_CAUSE_DEPTH = 4

/**
 * Whether `err` is, or was caused by, a full disk (or quota). RocksDB reports it as ENOSPC in the
 * `cause` of a "Batch was not applied" error, and Autobase closes itself after it.
 */
export function isDiskFull (err: unknown, depth = 0): boolean {
  if (typeof err !== 'object' || err === null || depth > MAX_CAUSE_DEPTH) return false
  const e = err as { code?: unknown, message?: unknown, cause?: unknown, errors?: unknown }
  if (e.code === 'ENOSPC' || e.code === 'EDQUOT') return true
  if (typeof e.message === 'string' && /no space left on device|disk quota exceeded/i.test(e.message)) return true
  if (Array.isArray(e.errors) && e.errors.some((x) => isDiskFull(x, depth + 1))) return true
  return isDiskFull(e.cause, depth + 1)
}

/**
 * Whether `err` is RocksDB finding its own files damaged on a read ("block checksum mismatch",
 * "Corruption: ..."): the data is there but cannot be trusted.
 */
export function isCorruption (err: unknown): boolean {
  const e = err as { code?: unknown, message?: unknown } | null
  return typeof e?.message === 'string' && (e.code === 'EIO' || e.code === undefined) && /checksum mismatch|corruption/i.test(e.message)
}

/**
 * A storage failure as the coded error it is (`STORAGE_FULL`, `STORAGE_DAMAGED`), or null when
 * `err` is something else. For the layers that answer callers: never an uncoded EIO.
 */
export function storageFailure (err: unknown): MeshledgerError | null {
  if (err instanceof MeshledgerError) return null
  if (isDiskFull(err)) return MeshledgerError.storageFull('the disk under the ledger\'s storage is full', err)
  if (isCorruption(err)) return MeshledgerError.storageDamaged(`the store failed its own checksums (${String((err as Error).message).split('\n')[0]}); restore the folder from a backup or join again from a fresh folder`, err)
  return null
}
