/**
 * Ops: what a writer puts in its log. A block is one group commit:
 * `{ "p": protocol, "o": [{ "t": type, "s": device time (ms), "d": data }, ...] }` as JSON.
 *
 * The protocol number versions every op in the block. A block written under a protocol newer than
 * this code understands stops apply (host.interrupt) instead of guessing: applying it as something
 * else would make this peer's view differ from upgraded peers'. The ledger then reports
 * `UPGRADE_REQUIRED`. Future versions stamp each block with the LOWEST protocol that defines all
 * of its op types, so older peers keep following blocks they can still read.
 *
 * Validation here is pure and shared: the local append path turns a failure into a coded error
 * (nothing appended); apply turns the same failure into a recorded rejection.
 */
import { decodeKey } from './keys.js'

/** The protocol version this code writes and understands. */
export const PROTOCOL_VERSION = 1

/** Largest JSON encoding of one entry's data, in bytes. */
export const MAX_ENTRY_BYTES = 64 * 1024

/** Largest number of entries one group commit puts in a block. */
export const MAX_BATCH_ENTRIES = 1024

/** Largest block a group commit writes; apply rejects anything larger. */
export const MAX_BLOCK_BYTES = 1024 * 1024

const TYPE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.:-]{0,63}$/
const RESERVED_PREFIXES = ['member.', 'ledger.']

/** A member's role: indexers sign finality and administer membership; writers only write. */
export type Role = 'indexer' | 'writer'

/** What a caller appends. */
export interface EntryInput {
  type: string
  data?: unknown
}

/** One op as it travels in a block. */
export interface WireOp {
  t: string
  s: number
  d: unknown
}

/** One block as it travels in a writer's log. */
export interface WireBlock {
  p: number
  o: WireOp[]
}

/** Why an op was refused: a code and a sentence. */
export interface Refusal {
  code: RejectionCode
  reason: string
}

/** Codes recorded on rejected entries. */
export type RejectionCode =
  | 'MALFORMED_BLOCK'
  | 'BLOCK_TOO_LARGE'
  | 'INVALID_ENTRY'
  | 'ENTRY_TOO_LARGE'
  | 'NOT_A_MEMBER'
  | 'NOT_AUTHORISED'
  | 'UNKNOWN_MEMBER'
  | 'LAST_INDEXER'

/** A validated membership op. */
export type MemberOp =
  | { kind: 'add', key: Buffer, role: Role }
  | { kind: 'remove', key: Buffer }

/** Data of `member.add`. */
export interface MemberAddData { key: string, role: Role }

/** Data of `member.remove`. */
export interface MemberRemoveData { key: string }

/** True for the op types the ledger itself interprets. */
export function isSystemType (type: string): boolean {
  return RESERVED_PREFIXES.some((p) => type.startsWith(p))
}

/**
 * Check an op's shape. Returns the encoded data (so callers never stringify twice) or a refusal.
 */
export function checkOp (op: WireOp): { json: string } | Refusal {
  if (typeof op !== 'object' || op === null) return refuse('INVALID_ENTRY', 'an op is an object')
  if (typeof op.t !== 'string' || !TYPE_PATTERN.test(op.t)) {
    return refuse('INVALID_ENTRY', 'type is 1-64 characters: a letter, then letters, digits or _ . : -')
  }
  if (!Number.isSafeInteger(op.s) || op.s < 0) return refuse('INVALID_ENTRY', 'timestamp is a non-negative integer')
  let json: string | undefined
  try {
    json = JSON.stringify(op.d === undefined ? null : op.d)
  } catch {
    json = undefined
  }
  if (json === undefined) return refuse('INVALID_ENTRY', 'data must be JSON')
  if (Buffer.byteLength(json) > MAX_ENTRY_BYTES) {
    return refuse('ENTRY_TOO_LARGE', `data is over ${MAX_ENTRY_BYTES} bytes as JSON`)
  }
  if (isSystemType(op.t)) {
    const member = parseMemberOp(op.t, op.d)
    if ('code' in member) return member
  }
  return { json }
}

/** Validate the data of a `member.*` op. */
export function parseMemberOp (type: string, data: unknown): MemberOp | Refusal {
  if (type !== 'member.add' && type !== 'member.remove') {
    return refuse('INVALID_ENTRY', `unknown system op ${type}`)
  }
  if (typeof data !== 'object' || data === null) return refuse('INVALID_ENTRY', `${type} data is an object`)
  const { key, role } = data as { key?: unknown, role?: unknown }
  let raw: Buffer
  try {
    if (typeof key !== 'string') throw new TypeError('key')
    raw = decodeKey(key)
  } catch {
    return refuse('INVALID_ENTRY', `${type} needs a device key (z32 or hex)`)
  }
  if (type === 'member.remove') return { kind: 'remove', key: raw }
  if (role !== 'indexer' && role !== 'writer') return refuse('INVALID_ENTRY', 'role is indexer or writer')
  return { kind: 'add', key: raw, role }
}

/** Encode a block for the log. */
export function encodeBlock (ops: WireOp[]): Buffer {
  return Buffer.from(JSON.stringify({ p: PROTOCOL_VERSION, o: ops } satisfies WireBlock))
}

/**
 * Decode a block from the log. Never throws: a block that is not a well-formed block of any
 * protocol is a refusal (recorded as a rejection by apply).
 */
export function decodeBlock (value: Buffer): WireBlock | Refusal {
  if (value.byteLength > MAX_BLOCK_BYTES) return refuse('BLOCK_TOO_LARGE', `block is over ${MAX_BLOCK_BYTES} bytes`)
  let block: unknown
  try {
    block = JSON.parse(value.toString('utf8'))
  } catch {
    return refuse('MALFORMED_BLOCK', 'block is not JSON')
  }
  if (typeof block !== 'object' || block === null) return refuse('MALFORMED_BLOCK', 'block is not an object')
  const { p, o } = block as { p?: unknown, o?: unknown }
  if (!Number.isSafeInteger(p) || (p as number) < 1) return refuse('MALFORMED_BLOCK', 'block has no protocol version')
  if (!Array.isArray(o) || o.length === 0 || o.length > MAX_BATCH_ENTRIES) {
    return refuse('MALFORMED_BLOCK', `block holds 1-${MAX_BATCH_ENTRIES} ops`)
  }
  return { p: p as number, o: o as WireOp[] }
}

function refuse (code: RejectionCode, reason: string): Refusal {
  return { code, reason }
}
