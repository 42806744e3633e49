/**
 * Waiting out a full disk. When RocksDB refuses a write for want of space, Autobase closes itself
 * and the storage stays refused until it is reopened. The daemon closes the ledger (releasing the
 * storage lock), waits here until the filesystem has room again, and opens it anew.
 */
import { statfs } from 'node:fs/promises'
import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Free space (bytes) the data folder's filesystem needs before the ledger is reopened. Opening
 * writes a new manifest and WAL; a few KiB free would only fill again on the first write.
 */
export const DEFAULT_MIN_FREE_BYTES = 1024 * 1024

/** First and longest wait between free-space checks (ms): doubling from one to the other. */
export const DEFAULT_RECOVERY_BACKOFF: readonly [number, number] = [250, 5000]

/** Bytes available to an unprivileged writer on the filesystem holding `folder`. */
export async function freeBytes (folder: string): Promise<number> {
  const s = await statfs(folder)
  return s.bavail * s.bsize
}

/** Options of {@link waitForSpace}. */
export interface WaitForSpaceOptions {
  minFree?: number
  backoff?: readonly [number, number]
  signal?: AbortSignal
  /** Called after each check that found too little space. */
  onwait?: (free: number, nextCheckMs: number) => void
}

/**
 * Resolves with the free space once the filesystem under `folder` has `minFree` bytes available,
 * checking with a doubling backoff; rejects with the signal's reason when aborted.
 */
export async function waitForSpace (folder: string, { minFree = DEFAULT_MIN_FREE_BYTES, backoff = DEFAULT_RECOVERY_BACKOFF, signal, onwait }: WaitForSpaceOptions = {}): Promise<number> {
  let delay = backoff[0]
  while (true) {
    signal?.throwIfAborted()
    const free = await freeBytes(folder)
    if (free >= minFree) return free
    onwait?.(free, delay)
    await sleep(delay, undefined, { signal })
    delay = Math.min(delay * 2, backoff[1])
  }
}
