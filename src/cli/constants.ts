/**
 * Constants of the `meshledger` command, shared by every command (re-exported from main.ts).
 */
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

/**
 * Exit codes: 0 ok, 1 anything else, 2 usage, 3 not found, 4 rejected input, 5 daemon
 * unreachable, 6 `verify` found damage or a mismatch, 7 the disk under the ledger is full, 8 the
 * storage folder is damaged (`STORAGE_DAMAGED`: RocksDB cannot open it, or it lost acknowledged
 * entries of this device's log).
 */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, rejected: 4, unreachable: 5, damaged: 6, storageFull: 7, storageDamaged: 8 } as const

/** The project's own data folder: `npm start` runs on it with no configuration. */
export const DEFAULT_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data')

/** The data folder the flags and environment point at. */
export function dataFolder (flag: string | boolean | undefined): string {
  const env = process.env.MESHLEDGER_DATA
  return path.resolve(typeof flag === 'string' ? flag : env !== undefined && env !== '' ? env : DEFAULT_DATA)
}

/** Print `meshledger <version>` (with `json`, `{"version"}`) from the package's package.json; answers exit 0. */
export function printVersion (json: boolean): number {
  const { version } = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
  process.stdout.write(json ? JSON.stringify({ version }) + '\n' : `meshledger ${version}\n`)
  return EXIT.ok
}
