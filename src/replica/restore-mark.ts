/**
 * The mark a restore leaves in a storage folder. A backup holds this device's log as it was when
 * the backup was taken; the device may have written more since, and peers hold those blocks.
 * Writing from the backup's length would sign a second history at the same indexes (a fork), so a
 * marked folder writes nothing until peers have given its log back (own-log.ts), then drops the mark.
 */
import { open, readFile, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'

/** The mark's file in the storage folder, beside the log record. */
export const RESTORE_MARK_FILE = 'RESTORED'

/** What the mark says: when the backup was taken and when it was restored (ms since the epoch). */
export interface RestoreMark {
  backupCreatedAt: number
  restoredAt: number
}

/** Mark `folder` as restored, durably (the file and its folder entry are synced). */
export async function markRestored (folder: string, mark: RestoreMark): Promise<void> {
  const file = path.join(folder, RESTORE_MARK_FILE)
  await writeFile(file, JSON.stringify(mark) + '\n', { mode: 0o600, flush: true })
  await syncFolder(folder)
}

/** The mark of `folder`, or null when it was not restored (or has caught up since). */
export async function readRestoreMark (folder: string): Promise<RestoreMark | null> {
  let text: string
  try {
    text = await readFile(path.join(folder, RESTORE_MARK_FILE), 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
  // A mark that does not parse still marks the folder: the guard must not fail open.
  try {
    const v = JSON.parse(text) as Partial<RestoreMark>
    return { backupCreatedAt: Number(v.backupCreatedAt ?? 0), restoredAt: Number(v.restoredAt ?? 0) }
  } catch {
    return { backupCreatedAt: 0, restoredAt: 0 }
  }
}

/** Drop the mark once the log is back, durably. */
export async function clearRestoreMark (folder: string): Promise<void> {
  await rm(path.join(folder, RESTORE_MARK_FILE), { force: true })
  await syncFolder(folder)
}

async function syncFolder (folder: string): Promise<void> {
  const dir = await open(folder, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}
