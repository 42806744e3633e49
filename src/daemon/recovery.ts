/**
 * Waiting out a full disk. When RocksDB fails a write for want of space, Autobase closes itself
 * and the storage stays failed until it is reopened. The daemon closes the ledger (releasing the
 * storage lock), waits here until the filesystem has room again, and opens it anew.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { DEFAULT_MIN_FREE_BYTES } from '../replica/storage-defaults.js'
import { freeBytes } from '../replica/storage.js'

export { DEFAULT_MIN_FREE_BYTES, freeBytes }

/** First and longest wait between free-space checks (ms): doubling from one to the other. */
export const DEFAULT_RECOVERY_BACKOFF: readonly [number, number] = [250, 5000]

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
