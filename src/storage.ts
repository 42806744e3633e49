/**
 * A device's storage folder: one Corestore on RocksDB with bounded memory, locked to one process.
 */
import Corestore from 'corestore'
import HypercoreStorage from 'hypercore-storage'
import Rache from 'rache'
import { MeshledgerError } from './errors.js'

/** RocksDB memtable size. Its 64 MiB default alone is a sixth of a small device's budget. */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024

/**
 * Open the store in `folder` with caches of `cacheSize` entries. A folder another process holds
 * gives `STORAGE_LOCKED`.
 */
export async function openStore (folder: string, cacheSize: number): Promise<Corestore> {
  const store = new Corestore(
    new HypercoreStorage(folder, { writeBufferSize: WRITE_BUFFER_BYTES, treeCache: { maxSize: cacheSize } }),
    { globalCache: new Rache({ maxSize: cacheSize }) }
  )
  try {
    await store.ready()
  } catch (err) {
    await store.close().catch(() => {})
    if (err instanceof Error && /lock/i.test(err.message)) {
      throw MeshledgerError.storageLocked(`${folder} is in use by another process`, err)
    }
    throw err
  }
  return store
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
