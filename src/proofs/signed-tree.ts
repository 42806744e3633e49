/**
 * Checking what a Hypercore signed, from a proof alone: the pieces receipts and fork evidence
 * share. Both use Hypercore's own Merkle and signature code (pinned version), so an offline check
 * agrees exactly with what replication accepts, and both insist on the one canonical encoding of
 * a proof, so no byte can change without failing.
 */
import c from 'compact-encoding'
import merkleTree from 'hypercore/lib/merkle-tree.js'
import messages, { type DataMessage, type Encoding, type Manifest, type TreeNode } from 'hypercore/lib/messages.js'
import Verifier from 'hypercore/lib/verifier.js'

/** A core's signed state: its length and the roots whose hash the signature covers. */
export interface SignedRoots {
  length: number
  roots: TreeNode[]
}

/** Encode as a Buffer (compact-encoding allocates one in Node; its types say Uint8Array). */
export function encodeBuffer<T> (enc: Encoding<T>, value: T): Buffer {
  const bytes = c.encode(enc, value)
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/**
 * Decode `bytes`, or null unless they decode and re-encode to the same bytes (no trailing bytes,
 * no alternative encodings). Never throws.
 */
export function decodeCanonical<T> (enc: Encoding<T>, bytes: Buffer): T | null {
  try {
    const value = c.decode(enc, bytes)
    return encodeBuffer(enc, value).equals(bytes) ? value : null
  } catch {
    return null
  }
}

/**
 * The roots `proof.upgrade` (from 0) carries, if the core `key` (whose manifest is `manifest`)
 * signed them; null otherwise. Only the upgrade is looked at. Never throws.
 */
export function signedRoots (key: Buffer, manifest: Manifest, proof: DataMessage): SignedRoots | null {
  const upgrade = proof.upgrade
  if (upgrade === null || upgrade.start !== 0 || !canonicalSignature(manifest, upgrade.signature)) return null
  try {
    if (!Verifier.isValidManifest(key, manifest)) return null
    const tree = merkleTree.MerkleTree.verifyFullyRemote(seed(manifest), { ...proof, block: null, hash: null, seek: null })
    if (!new Verifier(key, Verifier.createManifest(manifest)).verify(tree, tree.signature)) return null
    return { length: tree.length, roots: tree.roots }
  } catch {
    return null
  }
}

/**
 * The root that `proof`'s block (or hash) path climbs to, or null. The caller checks it is one
 * of the signed roots. Never throws.
 */
export function pathRoot (manifest: Manifest, proof: DataMessage): TreeNode | null {
  try {
    const path = merkleTree.MerkleTree.verifyFullyRemote(seed(manifest), { ...proof, upgrade: null, seek: null })
    return path.nodes[path.nodes.length - 1] ?? null
  } catch {
    return null
  }
}

/** The flat-tree indexes of the full roots of a tree of `length` blocks, left to right. */
export function fullRoots (length: number): number[] {
  const roots: number[] = []
  let start = 0
  let left = length
  while (left > 0) {
    let span = 1
    while (span * 2 <= left) span *= 2
    roots.push(2 * start + span - 1)
    start += span
    left -= span
  }
  return roots
}

// Flat-tree arithmetic (hypercore's layout: leaves at even indexes, a node's depth = its trailing 1 bits).
function depthOf (index: number): number {
  let d = 0
  while (Math.floor(index / 2 ** d) % 2 === 1) d++
  return d
}

/** The other child of `index`'s parent. */
export function flatSibling (index: number): number {
  const d = depthOf(index)
  const offset = Math.floor(index / 2 ** (d + 1))
  return (offset ^ 1) * 2 ** (d + 1) + 2 ** d - 1
}

/** The node one level above `index`. */
export function flatParent (index: number): number {
  const d = depthOf(index)
  const offset = Math.floor(index / 2 ** (d + 1))
  return Math.floor(offset / 2) * 2 ** (d + 2) + 2 ** (d + 1) - 1
}

/** A tree with nothing verified yet, for checking a proof with no local state. */
function seed (manifest: Manifest): unknown {
  return { fork: 0, roots: [], length: 0, signature: null, ancestors: 0, byteLength: 0, prologue: manifest.prologue, storage: null }
}

/**
 * Multisignatures carry patch counts that a manifest without patches ignores; a signature with
 * one could be altered without failing, so only the patch-free encoding is accepted there.
 */
function canonicalSignature (manifest: Manifest, signature: Buffer): boolean {
  if (manifest.allowPatch === true) return true
  const sig = decodeCanonical(messages.multiSignature, signature)
  return sig !== null && sig.patch.length === 0 && sig.proofs.every((p) => p.patch === 0)
}
