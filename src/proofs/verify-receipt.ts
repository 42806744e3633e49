/**
 * Checking a receipt with no storage and no network: pure computation over the receipt's bytes,
 * using hypercore's own Merkle and signature checks. Any altered byte, a key that is not the one
 * the manifest hashes to, or a receipt of another ledger fails with `INVALID_RECEIPT` and a reason.
 */
import Autobase from 'autobase'
import Hypercore from 'hypercore'
import crypto from 'hypercore-crypto'
import messages from 'hypercore/lib/messages.js'
import { parseId } from '../protocol/entry-id.js'
import { MeshledgerError } from '../errors.js'
import { NOT_JSON, scanJson } from '../protocol/json-scan.js'
import { decodeKey, encodeKey, type KeyInput } from '../keys.js'
import { decodeBlock } from '../protocol/ops.js'
import { RECEIPT_FORMAT, receiptBody, type Receipt, type VerifiedReceipt } from './receipt.js'
import { checkSeal, entryHash, rootOfPath } from './seal.js'
import { decodeCanonical, pathRoot, signedRoots } from './signed-tree.js'

/** Options of {@link verifyReceipt}. */
export interface VerifyReceiptOptions {
  /** Require the receipt to be of this ledger. */
  ledger?: KeyInput
  /** With it, a receipt that carries its block is also decrypted and checked against the entry. */
  encryptionKey?: KeyInput
}

/** A proof checked against its key: what was signed, and the block or leaf it proves. */
interface CheckedProof {
  key: Buffer
  message: messages.DataMessage
  manifest: messages.Manifest
  length: number
}

/**
 * Check a receipt (the object, or its JSON text) offline. Resolves with what it proves; rejects
 * with `INVALID_RECEIPT` naming the first thing that does not hold.
 */
export async function verifyReceipt (input: unknown, opts: VerifyReceiptOptions = {}): Promise<VerifiedReceipt> {
  const r = parseReceipt(input)
  const ledgerKey = key(r.ledger, 'ledger')
  if (opts.ledger !== undefined && !decodeKey(opts.ledger, 'ledger').equals(ledgerKey)) {
    throw invalid(`the receipt is of ledger ${r.ledger}, not ${encodeKey(decodeKey(opts.ledger))}`)
  }
  let addr
  try {
    addr = parseId(r.id)
  } catch {
    throw invalid('the entry id is malformed')
  }
  const { writer, seq, offset } = addr
  const issuer = Buffer.from(r.issuer.key, 'hex')
  const issuerSignature = Buffer.from(r.issuer.signature, 'base64')
  if (issuer.byteLength !== 32 || issuerSignature.byteLength !== 64 || !crypto.verify(receiptBody(r), issuerSignature, issuer)) {
    throw invalid('the issuer\'s signature does not cover this receipt')
  }

  const log = checkProof(writer, r.log, 'writer log')
  if (log.manifest.signers.length !== 1 || log.manifest.quorum !== 1) throw invalid('the writer log is not signed by one device')
  if (log.length <= seq) throw invalid(`the writer log proof is signed at length ${log.length}, before block ${seq}`)
  const proved = log.message.block ?? log.message.hash
  if (proved === null || proved.index !== (log.message.block !== null ? seq : 2 * seq)) throw invalid(`the writer log proof is not of block ${seq}`)

  const op = parseEntry(r.entry)
  let sealed = false
  if (r.seal !== null) {
    const path = r.seal.path.map((h) => Buffer.from(h, 'base64'))
    const root = rootOfPath(entryHash(r.entry), offset, r.seal.count, path)
    if (root === null || path.some((h) => h.byteLength !== 32)) throw invalid('the entry path does not fit its block')
    if (!checkSeal(ledgerKey, writer, log.manifest.signers[0].publicKey, r.seal.count, root, r.seal.signature)) {
      throw invalid('the writer\'s seal does not sign this entry for this ledger')
    }
    sealed = true
  }
  const blockChecked = log.message.block !== null && await checkBlock(log.message.block.value, r, ledgerKey, writer, seq, offset, log.manifest, opts)
  if (!sealed && !blockChecked) {
    throw invalid('the entry is not sealed and its block could not be read: give the encryption key and a receipt made with the block')
  }

  let view: VerifiedReceipt['view'] = null
  if (r.view !== null) {
    // The view core's key is not otherwise in the receipt: it is what its manifest hashes to.
    const checked = checkProof(null, r.view.proof, 'view')
    const hash = checked.message.hash
    if (hash === null || hash.index !== 2 * r.view.index) throw invalid(`the view proof is not of index ${r.view.index}`)
    if (checked.length <= r.view.index) throw invalid('the view is not signed up to the entry')
    view = {
      key: encodeKey(checked.key),
      index: r.view.index,
      length: checked.length,
      quorum: checked.manifest.quorum,
      signers: checked.manifest.signers.map((s) => s.publicKey.toString('hex'))
    }
  }

  return {
    ledger: r.ledger,
    id: r.id,
    writer: encodeKey(writer),
    seq,
    offset,
    type: op.t,
    timestamp: op.s,
    data: op.d ?? null,
    sealed,
    blockChecked,
    logLength: log.length,
    confirmed: view !== null,
    view,
    rules: r.rules,
    issuer: r.issuer.key
  }
}

/** Check one proof against `coreKey` (null: the key its manifest hashes to). */
function checkProof (coreKey: Buffer | null, encoded: string, what: string): CheckedProof {
  const message = decodeCanonical(messages.wire.data, Buffer.from(encoded, 'base64'))
  if (message === null) throw invalid(`the ${what} proof does not decode (canonically)`)
  const { manifest } = message
  if (manifest == null) throw invalid(`the ${what} proof has no manifest`)
  if (message.request !== 0 || message.seek !== null || (message.block === null) === (message.hash === null)) throw invalid(`the ${what} proof is not of one block`)
  // The signed roots, then the block's path up to one of them (checked apart: hypercore makes
  // the two proofs apart, as combined proofs fail on cores with a prologue).
  const key = coreKey ?? manifestKey(manifest, what)
  const signed = signedRoots(key, manifest, message)
  if (signed === null) throw invalid(`the ${what} proof is not signed by its key`)
  const root = pathRoot(manifest, message)
  if (root === null || !signed.roots.some((r) => r.index === root.index && r.size === root.size && r.hash.equals(root.hash))) {
    throw invalid(`the ${what} proof's block is not in the signed tree`)
  }
  return { key, message, manifest, length: signed.length }
}

function manifestKey (manifest: messages.Manifest, what: string): Buffer {
  try {
    return Hypercore.key(manifest)
  } catch {
    throw invalid(`the ${what} manifest is malformed`)
  }
}

/** Decrypt (or read) the proved block and check the entry is in it, as sealed. */
async function checkBlock (
  raw: Buffer, r: Receipt, ledgerKey: Buffer, writer: Buffer, seq: number, offset: number, manifest: messages.Manifest, opts: VerifyReceiptOptions
): Promise<boolean> {
  let value: Buffer
  try {
    const encryptionKey = opts.encryptionKey === undefined ? null : decodeKey(opts.encryptionKey, 'encryptionKey')
    value = await Autobase.decodeValue(Buffer.from(raw), { autobase: ledgerKey, encryptionKey, key: writer, manifest, index: seq })
  } catch {
    return false
  }
  const block = decodeBlock(value)
  if ('code' in block) return false // encrypted, and no (or the wrong) key
  const op = block.o[offset]
  if (op === undefined || JSON.stringify({ t: op.t, s: op.s, d: op.d }) !== r.entry) throw invalid('the block does not hold this entry at its offset')
  if (r.seal !== null && (block.z !== r.seal.signature || block.o.length !== r.seal.count)) throw invalid('the block\'s seal is not the receipt\'s')
  return true
}

/** A receipt nests 3 deep (receipt, seal, path); deeper input is refused before it is hashed. */
const MAX_RECEIPT_DEPTH = 8

function parseReceipt (input: unknown): Receipt {
  // Work on a parsed copy of the text, scanned first: the body hash stringifies what it is given,
  // and JSON.stringify of deep input throws RangeError at a depth that depends on the stack.
  let text: string
  try {
    text = typeof input === 'string' || Buffer.isBuffer(input) ? input.toString() : JSON.stringify(input)
  } catch {
    throw invalid('not JSON')
  }
  if (typeof text !== 'string') throw invalid('not JSON')
  const scanned = scanJson(Buffer.from(text), MAX_RECEIPT_DEPTH)
  if (scanned !== null) throw invalid(scanned === NOT_JSON ? 'not JSON' : scanned)
  const r = JSON.parse(text) as unknown
  if (typeof r !== 'object' || r === null) throw invalid('not an object')
  const o = r as Record<string, unknown>
  if (o.format !== RECEIPT_FORMAT) throw invalid(`format is not ${RECEIPT_FORMAT}`)
  if (typeof o.ledger !== 'string' || typeof o.id !== 'string' || typeof o.entry !== 'string' || typeof o.log !== 'string') {
    throw invalid('ledger, id, entry and log are strings')
  }
  const seal = o.seal as Receipt['seal'] | undefined
  if (seal !== null && (typeof seal !== 'object' || seal === undefined || !Number.isSafeInteger(seal.count) ||
    !Array.isArray(seal.path) || !seal.path.every((h) => typeof h === 'string') || typeof seal.signature !== 'string')) {
    throw invalid('seal is { count, path, signature } or null')
  }
  const view = o.view as Receipt['view'] | undefined
  if (view !== null && (typeof view !== 'object' || view === undefined || !Number.isSafeInteger(view.index) || typeof view.proof !== 'string')) {
    throw invalid('view is { index, proof } or null')
  }
  const issuer = o.issuer as Receipt['issuer'] | undefined
  if (typeof issuer !== 'object' || issuer === null || typeof issuer.key !== 'string' || typeof issuer.signature !== 'string') {
    throw invalid('issuer is { key, signature }')
  }
  const rules = o.rules as Receipt['rules'] | undefined
  if (typeof rules !== 'object' || rules === null || !Number.isSafeInteger(rules.version) || (rules.last !== null && typeof rules.last !== 'string')) {
    throw invalid('rules is { version, last }')
  }
  return o as unknown as Receipt
}

function parseEntry (entry: string): { t: string, s: number, d?: unknown } {
  let op: unknown
  try {
    op = JSON.parse(entry)
  } catch {
    throw invalid('the entry is not JSON')
  }
  const { t, s } = (op ?? {}) as { t?: unknown, s?: unknown }
  if (typeof t !== 'string' || !Number.isSafeInteger(s)) throw invalid('the entry has no type or time')
  return op as { t: string, s: number, d?: unknown }
}

function key (value: string, what: string): Buffer {
  try {
    return decodeKey(value, what)
  } catch {
    throw invalid(`the ${what} key is malformed`)
  }
}

function invalid (reason: string): MeshledgerError {
  return MeshledgerError.invalidReceipt(reason)
}

