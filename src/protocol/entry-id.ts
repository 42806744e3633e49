/**
 * Entry ids. An entry lives at block `seq` of its writer's signed log, at position `offset` in
 * that block (group commit packs many entries into one block). The id is
 * `<writer z32>.<seq>.<offset>`: stable, and enough on its own to build a Merkle proof.
 */
import { MeshledgerError } from '../errors.js'
import { decodeKey, encodeKey, type DeviceKey } from '../keys.js'

declare const entryIdBrand: unique symbol

/** An entry's id, `<writer z32>.<seq>.<offset>`. */
export type EntryId = string & { readonly [entryIdBrand]: true }

/** Where an entry lives: its writer, block and position in that block. */
export interface EntryAddress {
  writer: Buffer
  seq: number
  offset: number
}

const ID_PATTERN = /^([a-zA-Z0-9]{52}|[0-9a-fA-F]{64})\.(\d{1,15})\.(\d{1,6})$/

/** Format an address as an id. */
export function formatId (writer: Buffer, seq: number, offset: number): EntryId {
  return `${encodeKey<DeviceKey>(writer)}.${seq}.${offset}` as EntryId
}

/** Parse an id (writer as z32 or hex); throws `INVALID_ID`. */
export function parseId (id: string): EntryAddress {
  const m = typeof id === 'string' ? ID_PATTERN.exec(id) : null
  if (m === null) throw MeshledgerError.invalidId('an entry id reads <writer>.<seq>.<offset>')
  let writer: Buffer
  try {
    writer = decodeKey(m[1])
  } catch {
    throw MeshledgerError.invalidId('the writer part of the id is not a key')
  }
  const seq = Number(m[2])
  const offset = Number(m[3])
  if (!Number.isSafeInteger(seq)) throw MeshledgerError.invalidId('seq out of range')
  return { writer, seq, offset }
}
