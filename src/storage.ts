/**
 * A device's storage folder: one Corestore on RocksDB with bounded memory, locked to one process.
 */
import { open } from 'node:fs/promises'
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
  /**
   * fsync RocksDB's write-ahead log. Every write reaches the WAL before it is acknowledged, and
   * the WAL lives in the OS page cache until synced: a crashed process loses nothing, a power
   * cut loses what was not synced. One sync per group commit makes acknowledged entries durable.
   */
  sync (): Promise<void>
}

/**
 * Open the store in `folder` with caches of `cacheSize` entries. A folder another process holds
 * gives `STORAGE_LOCKED`.
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
    throw err
  }
  return { store, sync: async () => { await syncWal(storage, folder) } }
}

async function syncWal (storage: HypercoreStorage, folder: string): Promise<void> {
  const wal = await storage.rocks.currentWalFile()
  // RocksDB reports the WAL by its name under the database folder ('/000004.log').
  const file = await open(path.join(folder, 'db', path.basename(wal.path)), 'r')
  try {
    await file.sync()
  } finally {
    await file.close()
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
