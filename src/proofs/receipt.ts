/**
 * Receipts: one entry, proved to someone who holds nothing of the ledger, offline.
 *
 * A receipt carries:
 * - `entry`: the entry exactly as its writer sealed it (`{"t","s","d"}` JSON);
 * - `seal`: the writer's signature over the Merkle root of its block's entries, and this entry's
 *   path to that root (see seal.ts): it proves the writer signed this entry for this ledger;
 * - `log`: a hypercore proof of the entry's block in the writer's signed log, with the log's
 *   manifest (whose hash is the writer key, and whose signer is the seal's signer): it proves the
 *   writer's log, signed at some length, holds a block at that index;
 * - `view` (confirmed entries): a proof that the indexers' quorum signed a view holding the
 *   block's record at `view.index`;
 * - `rules`: how many rule changes were applied before the entry, and the last one;
 * - `issuer`: the device that made the receipt, and its signature over everything above. The rule
 *   count is that device's statement (the view that holds it is encrypted); the signature makes any
 *   change to it, or to any other byte, fail, and names who vouches for it.
 *
 * The Merkle trees of the log and the view cover ciphertext, so without the encryption key the
 * seal is what ties the plaintext entry to its writer; with the key (`verifyReceipt(r, {
 * encryptionKey })`) and a receipt made with `{ block: true }`, the verifier also decrypts the
 * proved block and checks the entry is in it, at its offset.
 */
import crypto from 'hypercore-crypto'
import type { EntryId } from '../protocol/entry-id.js'
import type { LedgerKey } from '../keys.js'

/** The format tag of receipts this code writes and reads. */
export const RECEIPT_FORMAT = 'meshledger-receipt/1'

/** A portable, self-contained proof of one entry (JSON). */
export interface Receipt {
  format: typeof RECEIPT_FORMAT
  ledger: LedgerKey
  id: EntryId
  /** The entry as sealed: `{"t":type,"s":time,"d":data}`. */
  entry: string
  /** The writer's seal and the entry's path to its root; null for blocks written before seals. */
  seal: { count: number, path: string[], signature: string } | null
  /** Base64 hypercore data message: the block's proof in the writer's log, with its manifest. */
  log: string
  /** Present when the entry was confirmed: the block record's index in the view, and its proof. */
  view: { index: number, proof: string } | null
  /** The rule set in force: rule changes applied before the entry, and the last of them. */
  rules: { version: number, last: EntryId | null }
  /** The issuing device's signing key (hex) and its signature (base64) over `receiptBody()`. */
  issuer: { key: string, signature: string }
}

/** What a receipt proves, once checked by `verifyReceipt`. */
export interface VerifiedReceipt {
  ledger: LedgerKey
  id: EntryId
  /** The device that wrote and sealed the entry. */
  writer: string
  seq: number
  offset: number
  type: string
  timestamp: number
  data: unknown
  /** True when the writer's seal was checked (false: the block itself was decrypted and checked). */
  sealed: boolean
  /** True when the block was decrypted (or read in clear) and found to hold the entry. */
  blockChecked: boolean
  /** The length at which the writer's log was signed in the proof. */
  logLength: number
  confirmed: boolean
  /** For confirmed entries: the view core, its signers' public keys (hex) and quorum. */
  view: { key: string, index: number, length: number, quorum: number, signers: string[] } | null
  rules: { version: number, last: EntryId | null }
  /** The signing key (hex) of the device that issued the receipt. */
  issuer: string
}

/** The bytes the issuer signs: every field but `issuer`, in a fixed order. */
export function receiptBody (r: Omit<Receipt, 'issuer'>): Buffer {
  const { format, ledger, id, entry, seal, log, view, rules } = r
  return crypto.hash(Buffer.from(JSON.stringify({ format, ledger, id, entry, seal, log, view, rules })))
}
