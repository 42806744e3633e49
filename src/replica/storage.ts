/**
 * A device's storage folder: one Corestore on RocksDB with bounded memory, locked to one process.
 */
import { open, readdir, statfs, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import Corestore from 'corestore'
import HypercoreStorage from 'hypercore-storage'
import Rache from 'rache'
import { MeshledgerError } from '../errors.js'
import { isDiskFull } from './storage-errors.js'

/** RocksDB memtable size. Its 64 MiB default alone is a sixth of a small device's budget. */
const WRITE_BUFFER_BYTES = 8 * 1024 * 1024

/**
 * RocksDB's flush and compaction threads (its default is 6). Each thread that allocates gets its
 * own malloc arena and keeps what it freed: on a 2-core device two jobs do the same work, and
 * after ingesting 1M entries RSS was 8 MB lower (`npm run bench -- history`).
 */
const BACKGROUND_JOBS = 2

/**
 * RocksDB's block cache (32 MiB, filled with SST blocks the page cache holds anyway), and with it
 * index and filter blocks kept in the cache rather than beside each table: about 9 MB after 1M
 * entries. Reads of the view go through Hyperbee's caches first (queries' snapshots share them),
 * so what reaches RocksDB is mostly a first read.
 */
const ROCKS_CACHE = { blockCache: false, tableCacheIndexAndFilterBlocks: false }

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
  const storage = new HypercoreStorage(folder, {
    writeBufferSize: WRITE_BUFFER_BYTES, maxBackgroundJobs: BACKGROUND_JOBS, ...ROCKS_CACHE, treeCache: { maxSize: cacheSize }
  })
  const store = new Corestore(storage, { globalCache: new Rache({ maxSize: cacheSize }) })
  try {
    await store.ready()
  } catch (err) {
    await store.close().catch(() => {})
    // rocksdb-native's "File descriptor could not be locked" (RocksDB's own "While lock file:
    // .../LOCK"); not any message with "lock" in it: "Corruption: block checksum mismatch" is
    // damage, not another process.
    if (err instanceof Error && /could not be locked|\block file\b|\/LOCK\b/.test(err.message)) {
      throw MeshledgerError.storageLocked(`${folder} is in use by another process`, err)
    }
    if (isDiskFull(err)) throw MeshledgerError.storageFull(`the disk under ${folder} is full`, err)
    if ((err as { code?: unknown }).code === 'DEVICE_FILE') {
      // Hypercore's storage records the folder's inode and an extended attribute: a copy (a
      // restored backup, a clone) is refused, since two copies writing would fork the device's log.
      throw MeshledgerError.storageCopied(`${folder} is a copy of another device's folder (or its CORESTORE device file was altered); running both copies would fork its log. Join from a fresh folder instead`, err)
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
 * How much room a block takes in the write that stores it, as a multiple of its size: the block
 * in the writer's log, its records in the view, the system core, RocksDB's log framing.
 */
export const WRITE_AMPLIFICATION = 4

/** Bytes available to an unprivileged writer on the filesystem holding `folder`. */
export async function freeBytes (folder: string): Promise<number> {
  const s = await statfs(folder)
  return s.bavail * s.bsize
}



/**
 * fsync of RocksDB's write-ahead log. Every write reaches the WAL before it is acknowledged, and
 * the WAL lives in the OS page cache until synced: a crashed process loses nothing, a power cut
 * loses what was not synced. One sync per group commit makes acknowledged entries durable.
 *
 * RocksDB moves to a new WAL file when a memtable fills (every {@link WRITE_BUFFER_BYTES} or so),
 * possibly in the middle of one Autobase append, which is several write batches: part of the
 * acknowledged write then sits in the older file. So a sync covers every WAL file from the one
 * current at the previous sync up to the current one (a file gone by then was flushed into an SST,
 * which RocksDB syncs itself), and the folder too once a new file appeared, so its entry survives.
 */
export class WalSync {
  private readonly storage: HypercoreStorage
  private readonly dir: string
  /** The WAL current at the previous sync: every write since went to it or a newer one. */
  private floor = 0
  /** The newest WAL whose directory entry is synced. */
  private listed = -1
  private readonly files = new Map<number, FileHandle>()
  /** Names of the WAL files the last sync made durable. */
  synced: string[] = []

  constructor (storage: HypercoreStorage, folder: string) {
    this.storage = storage
    this.dir = path.join(folder, 'db')
  }

  /** Make everything written so far durable. */
  async sync (): Promise<void> {
    const current = (await this.storage.rocks.currentWalFile()).number
    // No switch since the previous sync (the usual case): everything written since is in the
    // current file, whose folder entry is already synced; only a switch needs the folder listed.
    const wals = current === this.floor && this.listed >= current
      ? [current]
      : (await readdir(this.dir)).map(walNumber).filter((n) => n >= this.floor).sort((a, b) => a - b)
    const synced: string[] = []
    for (const n of wals) {
      const handle = await this.open(n)
      if (handle === null) continue
      await handle.sync()
      synced.push(walName(n))
    }
    const newest = wals.length === 0 ? -1 : wals[wals.length - 1]
    if (newest > this.listed) {
      const dir = await open(this.dir, 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
      this.listed = newest
    }
    this.floor = current
    for (const [n, handle] of this.files) {
      if (n >= current) continue
      this.files.delete(n)
      await handle.close()
    }
    this.synced = synced
  }

  /** Close the open WAL files, if any. */
  async close (): Promise<void> {
    const handles = [...this.files.values()]
    this.files.clear()
    for (const handle of handles) await handle.close()
  }

  private async open (n: number): Promise<FileHandle | null> {
    const open$ = this.files.get(n)
    if (open$ !== undefined) return open$
    try {
      const handle = await open(path.join(this.dir, walName(n)), 'r')
      this.files.set(n, handle)
      return handle
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null // flushed and removed meanwhile
      throw err
    }
  }
}

/** RocksDB names WAL files by a six-digit (or longer) number: `000004.log`. */
function walName (n: number): string {
  return `${String(n).padStart(6, '0')}.log`
}

function walNumber (name: string): number {
  const m = /^(\d+)\.log$/.exec(name)
  return m === null ? -1 : Number(m[1])
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
