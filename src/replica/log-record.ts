/**
 * This device's own record of how far its writer log got: the log's length and Merkle tree hash,
 * kept in a small file beside RocksDB, not in it. RocksDB recovers a damaged write-ahead log
 * "point in time", silently dropping every record after the damage, and a small ledger lives
 * entirely in that log; only a record outside it can tell that acknowledged blocks are gone.
 * Each update replaces the file whole: write a temp file, fsync it, rename it over the old one,
 * fsync the folder, so a power cut leaves either the old record or the new one.
 */
import { open, readFile, rename } from 'node:fs/promises'
import path from 'node:path'
import { MeshledgerError } from '../errors.js'

/** The record's file in the storage folder (RocksDB lives in `db/` next to it). */
export const LOG_RECORD_FILE = 'own-log.json'

const VERSION = 1

/** How far this device's log got: hex keys and hash, as stored. */
export interface LogMark {
  /** The ledger's key and this device's writer key, hex. */
  ledger: string
  writer: string
  /** Blocks of the log known durable, and the log's tree hash at that length (hex). */
  length: number
  treeHash: string
}

/** The record in `folder`, or null when there is none (a new folder, or one from older code). */
export async function readLogMark (folder: string): Promise<LogMark | null> {
  const file = path.join(folder, LOG_RECORD_FILE)
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return null
    throw MeshledgerError.storageDamaged(`${file} cannot be read`, err)
  }
  const mark = parse(text)
  if (mark === null) throw MeshledgerError.storageDamaged(`${file} is not a log record; if the store is known to be whole, delete the file`)
  return mark
}

/** Replace the record in `folder` with `mark`, durably. */
export async function writeLogMark (folder: string, mark: LogMark): Promise<void> {
  const file = path.join(folder, LOG_RECORD_FILE)
  const temp = `${file}.tmp`
  const handle = await open(temp, 'w')
  try {
    await handle.writeFile(JSON.stringify({ v: VERSION, ...mark }) + '\n')
    await handle.sync()
  } finally {
    await handle.close()
  }
  await rename(temp, file)
  // The rename itself lives in the folder: sync it, or a power cut can bring the old name back.
  const dir = await open(folder, 'r')
  try {
    await dir.sync()
  } finally {
    await dir.close()
  }
}

function parse (text: string): LogMark | null {
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const hex = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]+$/.test(x)
  if (v.v !== VERSION || !hex(v.ledger) || !hex(v.writer) || !hex(v.treeHash)) return null
  if (typeof v.length !== 'number' || !Number.isSafeInteger(v.length) || v.length < 0) return null
  return { ledger: v.ledger, writer: v.writer, length: v.length, treeHash: v.treeHash }
}
