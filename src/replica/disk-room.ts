/**
 * Room on the disk: a block the disk may not hold is declined before any of it is written. A
 * write that runs out of space midway leaves Autobase's flush torn (its log written, its view
 * not) and closes it; declining up front keeps the ledger open and the caller told why.
 */
import { MeshledgerError } from '../errors.js'
import { DEFAULT_MIN_FREE_BYTES } from './storage-defaults.js'
import { WRITE_AMPLIFICATION, freeBytes } from './storage.js'

/**
 * How long a reading of the free space may stand in for a fresh one, ms. A `statfs` per block
 * put a thread-pool round trip on every append, in series before the write (and on the same
 * four threads RocksDB reads on); a recent reading far from the watermark says as much.
 */
const READING_MS = 1000

/**
 * A reading is reused only while, after everything charged against it, the disk would still
 * hold `minFreeBytes` plus this many bytes: room for what the reading cannot see coming (a
 * RocksDB memtable flush or compaction, other writers on the disk). Near the watermark every
 * block is checked against a fresh reading, exactly as without the reuse.
 */
const REUSE_MARGIN_BYTES = 64 * 1024 * 1024

/** A free-space reading and what this device's blocks took of it since. */
interface Reading {
  free: number
  at: number
  charged: number
}

/** Internal: the free-space guard of one storage folder. */
export class DiskRoom {
  private readonly storage: string
  private readonly minFreeBytes: number
  private lowSpace: { needed: number, error: MeshledgerError } | null = null
  private reading: Reading | null = null

  constructor (storage: string, minFreeBytes = DEFAULT_MIN_FREE_BYTES) {
    this.storage = storage
    this.minFreeBytes = minFreeBytes
  }

  /** Throws `STORAGE_FULL` (nothing written) unless the disk holds a block of `bytes` with room to spare. */
  async ensure (bytes: number): Promise<void> {
    const { storage, minFreeBytes } = this
    if (minFreeBytes === 0) return
    const cost = bytes * WRITE_AMPLIFICATION
    const needed = minFreeBytes + cost
    const last = this.reading
    if (last !== null && performance.now() - last.at < READING_MS && last.free - last.charged - cost >= minFreeBytes + REUSE_MARGIN_BYTES) {
      last.charged += cost
      return
    }
    const free = await freeBytes(storage)
    if (free >= needed) {
      this.lowSpace = null
      this.reading = { free, at: performance.now(), charged: cost }
      return
    }
    this.reading = null
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
    if (free < minFreeBytes + REUSE_MARGIN_BYTES) this.reading = null
    const low = this.lowSpace
    if (free >= Math.max(minFreeBytes, low?.needed ?? 0)) {
      this.lowSpace = null
      return null
    }
    return low?.error ?? MeshledgerError.storageFull(`the disk under ${storage} has ${free} bytes free, under the ${minFreeBytes} kept back; appends are refused`)
  }
}
