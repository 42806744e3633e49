/**
 * A device's storage folder: one Corestore on RocksDB with bounded memory, locked to one process.
 */
import { open, statfs, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import Corestore from 'corestore'
import HypercoreStorage from 'hypercore-storage'
import Rache from 'rache'
import { MeshledgerError } from './errors.js'

/** RocksDB memtable size. Its 64 MiB default alone is a sixth of a small device's budget. */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024

/** An open store, and a way to make everything written so far survive a power cut. */
export interface OpenStore {
  store: Corestore
  /** See {@link WalSync}. */
  wal: WalSync
}

/**
 * Open the store in `folder` with caches of `cacheSize` entries. A folder another process holds
 * gives `STORAGE_LOCKED`; a copied folder gives `STORAGE_COPIED`.
 */
export async function openStore (folder: string, cacheSize: number): Promise<OpenStore> {
  const storage = new HypercoreStorage(folder, { writeBufferSize: WRITE_BUFFER_BYTES, treeCache: { maxSize: cacheSize } })
  const store = new Corestore(storage, { globalCache: new Rache({ maxSize: cacheSize }) })
  try {
    await store.ready()
  } catch (err) {
    await store.close().catch(() => {})
    if (err instanceof Error && /lock/i.test(err.message)) {
      throw MeshledgerError.storageLocked(`${folder} is in use by another process`, err)
    }
    if (isDiskFull(err)) throw MeshledgerError.storageFull(`the disk under ${folder} is full`, err)
    if ((err as { code?: unknown }).code === 'DEVICE_FILE') {
      // Hypercore's storage records the folder's inode and an extended attribute: a copy (a
      // restored backup, a clone) is refused, since two copies writing would fork the device's log.
      throw MeshledgerError.storageCopied(`${folder} is a copy of another device's folder; running both would fork its log. Join from a fresh folder instead`, err)
    }
    throw err
  }
  return { store, wal: new WalSync(storage, folder) }
}

/** Default of `minFreeBytes`: the free space kept back from appends (bytes). */
export const DEFAULT_MIN_FREE_BYTES = 256 * 1024

/**
 * How much room a block takes in the write that stores it, as a multiple of its size: the block
 * in the writer's log, its records in the view, the system core, RocksDB's log framing.
 */
export const WRITE_AMPLIFICATION = 4

/** Bytes available to an unprivileged writer on the filesystem holding `folder`. */
export async function freeBytes (folder: string): Promise<number> {
  const s = await statfs(folder)
  return s.bavail * s.bsize
}

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
 * fsync of RocksDB's write-ahead log. Every write reaches the WAL before it is acknowledged, and
 * the WAL lives in the OS page cache until synced: a crashed process loses nothing, a power cut
 * loses what was not synced. One sync per group commit makes acknowledged entries durable. The
 * WAL file stays open between syncs and is reopened when RocksDB moves to a new one.
 */
export class WalSync {
  private readonly storage: HypercoreStorage
  private readonly folder: string
  private file: { name: string, handle: FileHandle } | null = null

  constructor (storage: HypercoreStorage, folder: string) {
    this.storage = storage
    this.folder = folder
  }

  /** Make everything written so far durable. */
  async sync (): Promise<void> {
    // RocksDB reports the WAL by its name under the database folder ('/000004.log').
    const name = path.basename((await this.storage.rocks.currentWalFile()).path)
    if (this.file?.name !== name) {
      await this.close()
      this.file = { name, handle: await open(path.join(this.folder, 'db', name), 'r') }
    }
    await this.file.handle.sync()
  }

  /** Close the open WAL file, if any. */
  async close (): Promise<void> {
    const file = this.file
    this.file = null
    await file?.handle.close()
  }
}

/** The key of the ledger this store already holds (its local writer's referrer), or null. */
export async function storedLedgerKey (store: Corestore): Promise<Buffer | null> {
  const local = store.get({ name: 'local', active: false })
  await local.ready()
  try {
    return await local.getUserData('referrer')
  } finally {
    await local.close()
  }
}
