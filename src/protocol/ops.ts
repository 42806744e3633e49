/**
 * Ops: what a writer puts in its log. A block is one group commit:
 * `{ "p": protocol, "o": [{ "t": type, "s": device time (ms), "d": data }, ...] }` as JSON.
 *
 * The protocol number versions every op in the block. Which protocols a ledger accepts is the
 * ledger's decision, recorded in its view (`ledger.protocol`, apply/protocol-activation.ts): a block
 * stamped above the active protocol is rejected whole, on every peer (PROTOCOL_NOT_ACTIVE); a
 * device whose code does not know the active protocol stops (host.interrupt) instead of guessing,
 * and the ledger reports `UPGRADE_REQUIRED`. Each block is stamped with the LOWEST protocol that
 * gives all its ops their meaning, so older peers keep following the blocks they can read.
 *
 * Validation here is pure and shared: the local append path turns a failure into a coded error
 * (nothing appended); apply turns the same failure into a recorded rejection.
 */
import { BLOCK_FRAME_DEPTH, MAX_DATA_DEPTH, MAX_ENTRY_BYTES, encodeData } from './data-check.js'
import { NOT_JSON, scanJson } from './json-scan.js'
import { isReserved, protocolOf } from './op-types.js'
import { refuse, type Refusal } from './vocabulary.js'

export { MAX_DATA_DEPTH, MAX_ENTRY_BYTES }

/**
 * The protocol this code understands: 1 = entries and membership; 2 = accounts, assets,
 * telemetry, rules, invites, quarantine; 3 = fork evidence; 4 = protocol activation
 * (`ledger.protocol`), blocks above the ledger's active protocol rejected; 5 = the ledger's
 * policy (`ledger.policy`): automatic quarantine counted in apply, majority quorums; 6 = the view's
 * second layout (protocol/view-layout.ts): indexes read newest-first in bounded time, fewer view
 * writes per block; 7 = index segments derived by each device from the block records
 * (view/local-index.ts) instead of replicated in the view. 6 and 7 add no op: what changes is what
 * apply writes, so it is the ledger's decision like any protocol, and a ledger created by this code
 * activates the newest at genesis.
 */
export const PROTOCOL_VERSION = 7

/** Largest number of entries one group commit puts in a block. */
export const MAX_BATCH_ENTRIES = 1024

/** Largest block a group commit writes; apply rejects anything larger. */
export const MAX_BLOCK_BYTES = 1024 * 1024

const TYPE_PATTERN = /^[a-zA-Z][a-zA-Z0-9_.:-]{0,63}$/

/** What a caller appends. */
export interface EntryInput {
  type: string
  data?: unknown
}

/** Signs a block's entries (see proofs/seal.ts): the seal covers exactly the JSON of its ops. */
export type Sealer = (entries: string[]) => string

/** One op as it travels in a block. */
export interface WireOp {
  t: string
  s: number
  d: unknown
}

/** One block as it travels in a writer's log; `z` is the writer's seal over the ops (see seal.ts). */
export interface WireBlock {
  p: number
  o: WireOp[]
  z?: string
}

/** True for op types the ledger interprets (or reserves) under `protocol`. */
export function isSystemType (type: string, protocol = PROTOCOL_VERSION): boolean {
  return isReserved(type, protocol)
}

/**
 * Check an op's frame under `protocol`: its type, its timestamp, and its data against the shared
 * limits (encoded once, so callers never stringify twice). What an interpreted op's data must
 * look like is its handler's check (apply/check-op.ts).
 */
export function checkOpFrame (op: WireOp, protocol = PROTOCOL_VERSION): { json: string, data: unknown } | Refusal {
  if (typeof op !== 'object' || op === null) return refuse('INVALID_ENTRY', 'an op is an object')
  if (typeof op.t !== 'string' || !TYPE_PATTERN.test(op.t)) {
    return refuse('INVALID_ENTRY', 'type is 1-64 characters: a letter, then letters, digits or _ . : -')
  }
  if (!Number.isSafeInteger(op.s) || op.s < 0) return refuse('INVALID_ENTRY', 'timestamp is a non-negative integer')
  return checkData(op.d, protocol)
}

/**
 * Check one op's data against the limits every protocol shares (data-check.ts: depth, plain JSON
 * values, finite numbers, size) without recursion, and encode it. The same verdict on every
 * device, whatever its stack: no `RangeError`, ever. `protocol` is there for limits a later
 * protocol may add; today's apply to all.
 */
export function checkData (data: unknown, _protocol = PROTOCOL_VERSION): { json: string, data: unknown } | Refusal {
  return encodeData(data)
}

/**
 * Check a block's raw bytes before anything parses them: JSON in well-formed UTF-8, at most
 * {@link MAX_DATA_DEPTH} levels of data inside its frame, finite numbers, no duplicate or
 * `__proto__` keys. Null when they pass; else the refusal of the whole block. Limits apply to
 * every protocol (see the README's validation table for why that is safe for existing ledgers).
 */
export function checkBlockBytes (value: Uint8Array, _protocol = PROTOCOL_VERSION): Refusal | null {
  const reason = scanJson(value, BLOCK_FRAME_DEPTH + MAX_DATA_DEPTH, `block nests data deeper than ${MAX_DATA_DEPTH} levels`)
  return reason === null ? null : refuse('MALFORMED_BLOCK', reason)
}

/**
 * The JSON one op travels as inside a block; the seal signs exactly these bytes. `data`, when
 * given, is `op.d` already encoded (checkOp's `json`), so the append path encodes data once: the
 * same bytes as `JSON.stringify({ t, s, d })`, `s` being a safe integer (checkOpFrame).
 */
export function encodeOp (op: WireOp, data?: string): string {
  if (data === undefined) return JSON.stringify({ t: op.t, s: op.s, d: op.d })
  return `{"t":${JSON.stringify(op.t)},"s":${JSON.stringify(op.s)},"d":${data}}`
}

/**
 * Bytes a block of ops whose encodings take `entryBytes` in all (`count` of them) can take once
 * encoded: an upper bound (largest protocol number, a seal) that group commit packs against, so
 * a block it writes is never one that {@link decodeBlock} refuses for its size.
 */
export function blockBytesBound (entryBytes: number, count: number): number {
  return BLOCK_FRAME_BYTES + entryBytes + Math.max(0, count - 1)
}

/** `{"p":NNN,"o":[` + `],"z":"<88 base64 chars>"}`: the frame around the entries, at most. */
const BLOCK_FRAME_BYTES = 16 + 96

/**
 * Encode a block for the log, stamped with the lowest protocol that gives every op its meaning,
 * and sealed when a sealer is given. Each op is encoded once (`entries`, when the caller already
 * has them): the seal signs exactly the JSON that goes into the block. Apply ignores the seal
 * (older peers never saw one), so sealing does not change what the ledger says.
 */
export function encodeBlock (ops: WireOp[], seal?: Sealer, entries: string[] = ops.map((op) => encodeOp(op))): { bytes: Buffer, protocol: number } {
  let p = 1
  for (const op of ops) p = Math.max(p, protocolOf(op.t))
  const z = seal === undefined ? '' : `,"z":${JSON.stringify(seal(entries))}`
  return { bytes: Buffer.from(`{"p":${p},"o":[${entries.join(',')}]${z}}`), protocol: p }
}

/**
 * Decode a block from the log. Never throws: a block that is not a well-formed block of any
 * protocol is a refusal (recorded as a rejection by apply).
 */
export function decodeBlock (value: Buffer): WireBlock | Refusal {
  if (value.byteLength > MAX_BLOCK_BYTES) return refuse('BLOCK_TOO_LARGE', `block is over ${MAX_BLOCK_BYTES} bytes`)
  const unsafe = checkBlockBytes(value)
  if (unsafe !== null) return unsafe
  let block: unknown
  try {
    block = JSON.parse(value.toString('utf8'))
  } catch {
    return refuse('MALFORMED_BLOCK', NOT_JSON)
  }
  if (typeof block !== 'object' || block === null) return refuse('MALFORMED_BLOCK', 'block is not an object')
  const { p, o } = block as { p?: unknown, o?: unknown }
  if (!Number.isSafeInteger(p) || (p as number) < 1) return refuse('MALFORMED_BLOCK', 'block has no protocol version')
  if (!Array.isArray(o) || o.length === 0 || o.length > MAX_BATCH_ENTRIES) {
    return refuse('MALFORMED_BLOCK', `block holds 1-${MAX_BATCH_ENTRIES} ops`)
  }
  const { z } = block as { z?: unknown }
  return typeof z === 'string' ? { p: p as number, o: o as WireOp[], z } : { p: p as number, o: o as WireOp[] }
}
