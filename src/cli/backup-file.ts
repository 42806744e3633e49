/**
 * Backup files on the command line's side: write the daemon's tar stream to a file durably, read
 * a file's manifest back, and restore one into an empty data folder with a restore mark, so the
 * restored device writes nothing until peers have given back what it wrote after the backup.
 */
import { createWriteStream } from 'node:fs'
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { extract, list } from 'tar'
import { BACKUP_FORMAT, BACKUP_VERSION, CARRIED_FILES, MANIFEST_FILE, STORE_DIR, type BackupManifest } from '../daemon/backup-format.js'
import { LOG_RECORD_FILE } from '../replica/log-record.js'
import { ownerOnly } from '../replica/permissions.js'
import { openStore } from '../replica/storage.js'
import { markRestored } from '../replica/restore-mark.js'
import { UsageError } from './errors.js'

/** Write `res` (a backup stream) to `file`, synced, via a temp file; resolves with its manifest. */
export async function writeBackup (res: IncomingMessage, file: string): Promise<BackupManifest> {
  if (await stat(file).then(() => true, () => false)) throw new UsageError(`${file} exists; give a new file name`)
  const tmp = `${file}.${process.pid}.partial`
  try {
    await pipeline(res, createWriteStream(tmp, { mode: 0o600 }))
    const handle = await open(tmp, 'r')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
    const manifest = await readManifest(tmp)
    await rename(tmp, file)
    return manifest
  } catch (err) {
    await rm(tmp, { force: true })
    throw err
  }
}

/** The manifest of a backup file; a usage error when the file is not one. */
export async function readManifest (file: string): Promise<BackupManifest> {
  let text: string | null = null
  try {
    await list({
      file,
      strict: true,
      filter: (p) => p === MANIFEST_FILE,
      onReadEntry: (entry) => {
        const chunks: Buffer[] = []
        entry.on('data', (c: Buffer) => chunks.push(c))
        entry.on('end', () => { text = Buffer.concat(chunks).toString('utf8') })
      }
    })
  } catch (err) {
    throw new UsageError(`${file} is not a meshledger backup (${(err as Error).message})`)
  }
  let manifest: Partial<BackupManifest> | null = null
  try {
    manifest = text === null ? null : JSON.parse(text) as Partial<BackupManifest>
  } catch {}
  if (manifest?.format !== BACKUP_FORMAT) throw new UsageError(`${file} is not a meshledger backup (no ${MANIFEST_FILE})`)
  if (manifest.version !== BACKUP_VERSION) throw new UsageError(`${file} is a backup of format version ${String(manifest.version)}; this meshledger reads version ${BACKUP_VERSION}`)
  return manifest as BackupManifest
}

/**
 * Restore `file` into `data`, which must be missing or empty. The storage gets a restore mark
 * (restore-mark.ts) and a fresh device file on its first open; modes are owner-only.
 */
export async function restoreBackup (file: string, data: string): Promise<BackupManifest> {
  const manifest = await readManifest(file)
  const entries = await readdir(data).catch((err: NodeJS.ErrnoException) => { if (err.code === 'ENOENT') return []; throw err })
  if (entries.length > 0) throw new UsageError(`${data} is not empty (${entries.length} entries); restore into a new or empty folder`)
  await mkdir(data, { recursive: true, mode: 0o700 })
  const wanted = new Set([MANIFEST_FILE, ...CARRIED_FILES])
  await extract({
    file,
    cwd: data,
    strict: true,
    filter: (p) => wanted.has(p) || p === STORE_DIR || p.startsWith(STORE_DIR + '/')
  })
  await rename(path.join(data, MANIFEST_FILE), path.join(data, 'restored-from.json'))
  const store = path.join(data, STORE_DIR)
  await withDeviceFile(store)
  await markRestored(store, { backupCreatedAt: Date.parse(manifest.createdAt), restoredAt: Date.now() })
  await ownerOnly(data)
  return manifest
}

/**
 * Give the restored storage a device file of its own by opening it once (RocksDB replays its log,
 * so this also proves the copy opens). Hypercore's storage moves every file it does not know into
 * `db/` when it opens a folder without one: the log record is kept aside meanwhile.
 */
async function withDeviceFile (store: string): Promise<void> {
  const record = path.join(store, LOG_RECORD_FILE)
  const aside = `${store}.${LOG_RECORD_FILE}`
  const hasRecord = await stat(record).then(() => true, () => false)
  if (hasRecord) await rename(record, aside)
  const { store: opened, wal } = await openStore(store, 64)
  await wal.close()
  await opened.close()
  if (hasRecord) await rename(aside, record)
}
