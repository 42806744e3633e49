/**
 * Seals: the device's own signature over the entries of each block it writes, so one entry can be
 * proved to a third party without the key that decrypts the ledger.
 *
 * Autobase encrypts every block, and the writer's signed Merkle tree covers the ciphertext, so the
 * log's signature alone says nothing a verifier without the key can read. A seal is signed inside
 * the block, over a Merkle root of the block's entries (each entry as the exact JSON it travels as):
 * `sign(H(tag, ledger key, writer key, entry count, root))` with the writer core's own key pair,
 * whose public key the writer core's manifest names. A receipt then carries one entry, its path to
 * the root and the seal; nothing else of the block or the ledger.
 *
 * The entry tree is RFC 6962 shaped (left subtree = largest power of two below the count), with
 * domain-separated leaf and node hashes so a node can never pass for an entry.
 */
import crypto from 'hypercore-crypto'
import type { Sealer } from '../protocol/ops.js'

const ENTRY_TAG = Buffer.from('meshledger/entry/1')
const NODE_TAG = Buffer.from('meshledger/node/1')
const SEAL_TAG = Buffer.from('meshledger/seal/1')

/** Signs a block's entries; built from the writer's key pair by `createSealer`. */
export type { Sealer }

/** The hash of one entry, given as the exact JSON it is written as. */
export function entryHash (entry: string): Buffer {
  return crypto.hash([ENTRY_TAG, Buffer.from(entry)])
}

function nodeHash (left: Buffer, right: Buffer): Buffer {
  return crypto.hash([NODE_TAG, left, right])
}

/** Largest power of two strictly below `n` (n >= 2). */
function split (n: number): number {
  let k = 1
  while (k * 2 < n) k *= 2
  return k
}

/** The root of the entry tree over `leaves` (at least one). */
export function entryRoot (leaves: Buffer[]): Buffer {
  if (leaves.length === 1) return leaves[0]
  const k = split(leaves.length)
  return nodeHash(entryRoot(leaves.slice(0, k)), entryRoot(leaves.slice(k)))
}

/** The sibling hashes from leaf `index` up to the root, lowest first. */
export function entryPath (leaves: Buffer[], index: number): Buffer[] {
  if (leaves.length === 1) return []
  const k = split(leaves.length)
  return index < k
    ? [...entryPath(leaves.slice(0, k), index), entryRoot(leaves.slice(k))]
    : [...entryPath(leaves.slice(k), index - k), entryRoot(leaves.slice(0, k))]
}

/** Recompute the root from a leaf, its index among `count` leaves and its path; null if the path has the wrong shape. */
export function rootOfPath (leaf: Buffer, index: number, count: number, path: Buffer[]): Buffer | null {
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || index < 0 || index >= count) return null
  // Walk down to learn which side each sibling is on, then fold back up.
  const sides: boolean[] = [] // true: the sibling is on the right
  let i = index
  let n = count
  while (n > 1) {
    const k = split(n)
    if (i < k) {
      sides.push(true)
      n = k
    } else {
      sides.push(false)
      i -= k
      n -= k
    }
  }
  if (sides.length !== path.length) return null
  let hash = leaf
  for (let d = 0; d < path.length; d++) {
    const sibling = path[d]
    const right = sides[sides.length - 1 - d]
    hash = right ? nodeHash(hash, sibling) : nodeHash(sibling, hash)
  }
  return hash
}

/** What a seal signs: the ledger, the writer, how many entries the block holds and their root. */
export function sealMessage (ledgerKey: Buffer, writerKey: Buffer, count: number, root: Buffer): Buffer {
  const n = Buffer.alloc(4)
  n.writeUInt32BE(count)
  return crypto.hash([SEAL_TAG, ledgerKey, writerKey, n, root])
}

/** A sealer for blocks written by `writerKey` (signed with its core's secret key) in `ledgerKey`. */
export function createSealer (ledgerKey: Buffer, writerKey: Buffer, secretKey: Buffer): Sealer {
  return (entries) => {
    const root = entryRoot(entries.map(entryHash))
    return crypto.sign(sealMessage(ledgerKey, writerKey, entries.length, root), secretKey).toString('base64')
  }
}

/** True when `signature` (base64) seals `root` over `count` entries for this writer and ledger. */
export function checkSeal (ledgerKey: Buffer, writerKey: Buffer, publicKey: Buffer, count: number, root: Buffer, signature: string): boolean {
  const sig = Buffer.from(signature, 'base64')
  if (sig.byteLength !== 64) return false
  return crypto.verify(sealMessage(ledgerKey, writerKey, count, root), sig, publicKey)
}
