/**
 * A device's storage folder: one Corestore on RocksDB with bounded memory, locked to one process.
 */
import { open, readdir, type FileHandle } from 'node:fs/promises'
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
 * gives `STORAGE_LOCKED`; a copied folder gives `STORAGE_COPIED`; a database RocksDB cannot open
 * (a damaged or missing CURRENT or MANIFEST file) gives `STORAGE_DAMAGED`.
 */
export async function openStore (folder: string, cacheSize: number): Promise<OpenStore> {
  const existed = await holdsDatabase(folder)
  const storage = new HypercoreStorage(folder, { writeBufferSize: WRITE_BUFFER_BYTES, treeCache: { maxSize: cacheSize } })
  const store = new Corestore(storage, { globalCache: new Rache({ maxSize: cacheSize }) })
  try {
    await store.ready()
  } catch (err) {
    await store.close().catch(() => {})
    if (err instanceof Error && /lock/i.test(err.message)) {
      throw MeshledgerError.storageLocked(`${folder} is in use by another process`, err)
    }
    if ((err as { code?: unknown }).code === 'DEVICE_FILE') {
      // Hypercore's storage records the folder's inode and an extended attribute: a copy (a
      // restored backup, a clone) is refused, since two copies writing would fork the device's log.
      throw MeshledgerError.storageCopied(`${folder} is a copy of another device's folder; running both would fork its log. Join from a fresh folder instead`, err)
    }
    // RocksDB answers a damaged CURRENT or MANIFEST with EIO or ENOENT ("checksum mismatch",
    // "does not end with newline", "No such file"): the database is there but cannot be opened.
    if (existed && err instanceof Error) {
      throw MeshledgerError.storageDamaged(`${path.join(folder, 'db')} cannot be opened (${err.message}); restore the folder from a backup or join again from a fresh folder`, err)
    }
    throw err
  }
  return { store, wal: new WalSync(storage, folder) }
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

/** Whether `folder` already holds a RocksDB database (any file in its `db` folder). */
async function holdsDatabase (folder: string): Promise<boolean> {
  try {
    return (await readdir(path.join(folder, 'db'))).length > 0
  } catch {
    return false
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
