/**
 * This device's own record of how far its writer log got: the log's length and Merkle tree hash,
 * kept in a small file beside RocksDB, not in it. RocksDB recovers a damaged write-ahead log
 * "point in time", silently dropping every record after the damage, and a small ledger lives
 * entirely in that log; only a record outside it can tell that acknowledged blocks are gone.
 *
 * The file holds two fixed slots, written in turn in place (pwrite + fdatasync), each with a
 * sequence number and a SHA-256 of its contents: a power cut in the middle of a write damages only
 * the slot being written, and the other still holds the previous record. One fdatasync per update
 * (measured here: about 0.35 ms, against 1.5 ms for temp file + fsync + rename + folder fsync).
 */
import { createHash } from 'node:crypto'
import { open, type FileHandle } from 'node:fs/promises'
import path from 'node:path'
import { MeshledgerError } from '../errors.js'

/** The record's file in the storage folder (RocksDB lives in `db/` next to it). */
export const LOG_RECORD_FILE = 'own-log.rec'

const VERSION = 2
/** Bytes per slot: a 2-byte length, the JSON, its 32-byte SHA-256; keys and hash fit with room. */
const SLOT_BYTES = 512
const HASH_BYTES = 32

/** How far this device's log got: hex keys and hash, as stored. */
export interface LogMark {
  /** The ledger's key and this device's writer key, hex. */
  ledger: string
  writer: string
  /** Blocks of the log known durable, and the log's tree hash at that length (hex). */
  length: number
  treeHash: string
}

/** The record file of one storage folder: read once on open, then updated in place. */
export class LogRecordFile {
  private readonly file: string
  private handle: FileHandle | null = null
  private seq = 0

  constructor (folder: string) {
    this.file = path.join(folder, LOG_RECORD_FILE)
  }

  /** The newest intact record, or null when there is none (a new folder). */
  async read (): Promise<LogMark | null> {
    let bytes: Buffer
    try {
      const handle = await open(this.file, 'r')
      try {
        bytes = Buffer.alloc(2 * SLOT_BYTES)
        await handle.read(bytes, 0, bytes.length, 0)
      } finally {
        await handle.close()
      }
    } catch (err) {
      if ((err as { code?: unknown }).code === 'ENOENT') return null
      throw MeshledgerError.storageDamaged(`${this.file} cannot be read`, err)
    }
    const slots = [parseSlot(bytes.subarray(0, SLOT_BYTES)), parseSlot(bytes.subarray(SLOT_BYTES))]
    const best = slots.reduce<Slot | null>((a, b) => b === null ? a : a === null || b.seq > a.seq ? b : a, null)
    if (best === null) {
      if (bytes.every((b) => b === 0)) return null // created, never written (a crash right after)
      throw MeshledgerError.storageDamaged(`${this.file} holds no intact log record; if the store is known to be whole, delete the file`)
    }
    this.seq = best.seq
    return best.mark
  }

  /** Replace the record with `mark`, durably (the older slot is overwritten). */
  async write (mark: LogMark): Promise<void> {
    const handle = this.handle ?? await this.create()
    this.seq++
    const json = Buffer.from(JSON.stringify({ v: VERSION, seq: this.seq, ...mark }))
    if (json.length + 2 + HASH_BYTES > SLOT_BYTES) throw new RangeError('log record does not fit its slot')
    const slot = Buffer.alloc(SLOT_BYTES)
    slot.writeUInt16BE(json.length, 0)
    json.copy(slot, 2)
    createHash('sha256').update(json).digest().copy(slot, 2 + json.length)
    await handle.write(slot, 0, SLOT_BYTES, (this.seq % 2) * SLOT_BYTES)
    await handle.datasync()
  }

  /** Close the file, if open. */
  async close (): Promise<void> {
    const handle = this.handle
    this.handle = null
    await handle?.close()
  }

  /** Open the file for updates; a new one is made whole (both slots) and its name synced first. */
  private async create (): Promise<FileHandle> {
    let handle: FileHandle
    try {
      handle = await open(this.file, 'r+')
    } catch (err) {
      if ((err as { code?: unknown }).code !== 'ENOENT') throw err
      handle = await open(this.file, 'w+', 0o600)
      await handle.write(Buffer.alloc(2 * SLOT_BYTES), 0, 2 * SLOT_BYTES, 0)
      await handle.sync()
      const dir = await open(path.dirname(this.file), 'r')
      try {
        await dir.sync()
      } finally {
        await dir.close()
      }
    }
    this.handle = handle
    return handle
  }
}

interface Slot { seq: number, mark: LogMark }

function parseSlot (slot: Buffer): Slot | null {
  const length = slot.readUInt16BE(0)
  if (length === 0 || length + 2 + HASH_BYTES > SLOT_BYTES) return null
  const json = slot.subarray(2, 2 + length)
  if (!createHash('sha256').update(json).digest().equals(slot.subarray(2 + length, 2 + length + HASH_BYTES))) return null
  let value: unknown
  try {
    value = JSON.parse(json.toString('utf8'))
  } catch {
    return null
  }
  if (typeof value !== 'object' || value === null) return null
  const v = value as Record<string, unknown>
  const hex = (x: unknown): x is string => typeof x === 'string' && /^[0-9a-f]+$/.test(x)
  if (v.v !== VERSION || !hex(v.ledger) || !hex(v.writer) || !hex(v.treeHash)) return null
  if (!Number.isSafeInteger(v.seq) || !Number.isSafeInteger(v.length) || (v.length as number) < 0) return null
  return { seq: v.seq as number, mark: { ledger: v.ledger, writer: v.writer, length: v.length as number, treeHash: v.treeHash } }
}
