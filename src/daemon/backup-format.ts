/**
 * What a backup file is: one tar archive holding `manifest.json` first, then the storage folder
 * under `store/` (without Hypercore's device file) and the daemon's `config.json` if it had one.
 * The daemon writes it (backup.ts); `meshledger restore` reads it (cli/restore.ts).
 */
import type { DeviceKey, LedgerKey } from '../keys.js'

/** The `format` field of every manifest. */
export const BACKUP_FORMAT = 'meshledger-backup'

/** The manifest version this code writes and reads. */
export const BACKUP_VERSION = 1

/** The manifest's name inside the archive. */
export const MANIFEST_FILE = 'manifest.json'

/** The storage folder's name inside the archive (and in a data folder). */
export const STORE_DIR = 'store'

/** Files of the data folder a backup carries besides the storage (never the API token). */
export const CARRIED_FILES = ['config.json']

/** `manifest.json`: which ledger and device, how far each log was, when. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT
  version: number
  /** ISO 8601. */
  createdAt: string
  ledger: LedgerKey
  device: DeviceKey
  /** Blocks of the device's own log in the backup. */
  ownLog: number
  /** Blocks of the view. */
  view: number
  writers: Array<{ key: DeviceKey, length: number }>
}
