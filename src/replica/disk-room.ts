/**
 * Room on the disk: a block the disk may not hold is declined before any of it is written. A
 * write that runs out of space midway leaves Autobase's flush torn (its log written, its view
 * not) and closes it; declining up front keeps the ledger open and the caller told why.
 */
import { MeshledgerError } from '../errors.js'
import { DEFAULT_MIN_FREE_BYTES, WRITE_AMPLIFICATION, freeBytes } from './storage.js'

/** Internal: the free-space guard of one storage folder. */
export class DiskRoom {
  private readonly storage: string
  private readonly minFreeBytes: number
  private lowSpace: { needed: number, error: MeshledgerError } | null = null

  constructor (storage: string, minFreeBytes = DEFAULT_MIN_FREE_BYTES) {
    this.storage = storage
    this.minFreeBytes = minFreeBytes
  }

  /** Throws `STORAGE_FULL` (nothing written) unless the disk holds a block of `bytes` with room to spare. */
  async ensure (bytes: number): Promise<void> {
    const { storage, minFreeBytes } = this
    if (minFreeBytes === 0) return
    const free = await freeBytes(storage)
    const needed = minFreeBytes + bytes * WRITE_AMPLIFICATION
    if (free >= needed) {
      this.lowSpace = null
      return
    }
    const error = MeshledgerError.storageFull(`the disk under ${storage} has ${free} bytes free; an append needs ${needed} (minFreeBytes ${minFreeBytes}); nothing was written`)
    this.lowSpace = { needed, error }
    throw error
  }

  /**
   * `STORAGE_FULL` while the disk has less room than `minFreeBytes` or than the last declined
   * append needed; null once it has (or with the check off). For health checks.
   */
  async check (): Promise<MeshledgerError | null> {
    const { storage, minFreeBytes } = this
    if (minFreeBytes === 0) return null
    const free = await freeBytes(storage)
    const low = this.lowSpace
    if (free >= Math.max(minFreeBytes, low?.needed ?? 0)) {
      this.lowSpace = null
      return null
    }
    return low?.error ?? MeshledgerError.storageFull(`the disk under ${storage} has ${free} bytes free, under the ${minFreeBytes} kept back; appends are refused`)
  }
}
