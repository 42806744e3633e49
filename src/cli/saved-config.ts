/**
 * Settings a command saves in the data folder's `config.json` (one of the daemon's configuration
 * sources, below flags and environment), so the daemon started on the folder afterwards uses them
 * without being told again: `join` saves the DHT bootstrap nodes and address it paired over.
 */
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { daemonFiles } from '../daemon/daemon-info.js'
import { MeshledgerError } from '../errors.js'

/**
 * Merge `values` (config file keys; undefined ones are left out) into `<data>/config.json`,
 * keeping what it holds already; owner-only, written atomically. Returns the file's path.
 */
export async function saveToConfig (data: string, values: Record<string, unknown>): Promise<string> {
  const file = daemonFiles(data).config
  let current: Record<string, unknown> = {}
  const invalid = MeshledgerError.invalidOption(`config file ${file} is not a JSON object; fix or remove it`)
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw invalid
    current = parsed as Record<string, unknown>
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw invalid
  }
  const merged = { ...current, ...Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) }
  await mkdir(data, { recursive: true, mode: 0o700 })
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, JSON.stringify(merged, null, 2) + '\n', { mode: 0o600 })
  await chmod(tmp, 0o600)
  await rename(tmp, file)
  return file
}
