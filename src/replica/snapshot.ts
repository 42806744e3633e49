/**
 * A consistent copy of a live storage folder. RocksDB changes its files under a running process
 * (the write-ahead log grows, flushes write new SST files, compactions delete old ones), so a
 * plain copy can pair a MANIFEST with SST files it does not name. Corestore's `suspend()` (the
 * one librocksdb uses on phones going to the background) holds the database still: reads and
 * writes wait in the process, flushes and compactions pause. The files on disk are then exactly
 * what a crash at that instant would leave, which RocksDB opens by replaying its log; every write
 * acknowledged before the suspend is in that log (written before its answer, if not yet synced).
 *
 * SST files never change once written, so they are hard-linked (as RocksDB's own checkpoints
 * do) and only the log, the MANIFEST and the small files are copied: the freeze lasts
 * milliseconds, not the time of a whole copy.
 */
import { copyFile, link, mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import type Corestore from 'corestore'
import { LOCAL_INDEX_FOLDER } from '../view/local-index.js'

/**
 * Files never copied: Hypercore's device file (`CORESTORE`) ties a folder to its inode, so a copy
 * carrying it is refused on open (`STORAGE_COPIED`); a restore gets a fresh one. The local index
 * (`local-index`, view/local-index.ts) is a RocksDB of its own that the freeze does not hold still;
 * it is derived from the view, so a restored device derives it again.
 */
const SKIPPED = new Set(['CORESTORE', LOCAL_INDEX_FOLDER])

/**
 * Copy the storage folder `from` (the store's) into `to` (a new folder on the same filesystem)
 * while the store is held still; `during` runs inside the freeze (to read lengths that match
 * the copy exactly).
 */
export async function snapshotStore<T> (store: Corestore, from: string, to: string, during: () => T): Promise<T> {
  // One freeze at a time per store: a second suspend is a no-op, and the first one's resume
  // would let writes through in the middle of the second copy.
  const run = (FREEZES.get(store) ?? Promise.resolve()).then(async () => {
    await store.suspend()
    try {
      const value = during()
      await copyTree(from, to)
      return value
    } finally {
      await store.resume()
    }
  })
  FREEZES.set(store, run.catch(() => {}))
  return await run
}

const FREEZES = new WeakMap<Corestore, Promise<unknown>>()

async function copyTree (from: string, to: string): Promise<void> {
  await mkdir(to, { recursive: true, mode: 0o700 })
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (SKIPPED.has(entry.name)) continue
    const src = path.join(from, entry.name)
    const dst = path.join(to, entry.name)
    if (entry.isDirectory()) await copyTree(src, dst)
    else if (entry.isFile()) await (entry.name.endsWith('.sst') ? linkOrCopy(src, dst) : copyFile(src, dst))
  }
}

/** A hard link where the filesystem allows one, else a copy. */
async function linkOrCopy (src: string, dst: string): Promise<void> {
  try {
    await link(src, dst)
  } catch {
    await copyFile(src, dst)
  }
}
