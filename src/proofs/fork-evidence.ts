/**
 * Fork evidence: proof that one writer signed two histories of its log that cannot both be true.
 *
 * Each writer's log is a Hypercore: a Merkle tree whose root is signed by the device's key at each
 * length. A device that signs two different trees of the same length has forked (its data folder
 * was cloned or restored, and both copies wrote). Hypercore notices while replicating, when a
 * peer's signed proof does not match the tree it holds: it freezes that core, closes its sessions
 * and emits `conflict` with the peer's proof. The evidence is that proof plus one made from the
 * local tree at the same length, both in Hypercore's wire encoding, plus the writer's manifest
 * (its hash is the writer key): anyone can check it offline, with no copy of the log.
 *
 * Checking is pure computation (hashes and Ed25519), done by Hypercore's own verification code so
 * that apply agrees exactly with what replication found.
 */
import crypto from 'hypercore-crypto'
import type Hypercore from 'hypercore'
import messages, { type DataMessage, type Manifest } from 'hypercore/lib/messages.js'
import Verifier from 'hypercore/lib/verifier.js'
import { encodeKey } from '../keys.js'
import type { Refusal } from '../protocol/vocabulary.js'
import { decodeCanonical, encodeBuffer, fullRoots, signedRoots } from './signed-tree.js'

/** Largest manifest accepted in evidence, in bytes (a writer core has one signer: about 70). */
export const MAX_MANIFEST_BYTES = 4096

/** Largest proof accepted in evidence, in bytes (about 150-250 for logs of thousands of blocks). */
export const MAX_PROOF_BYTES = 8192

/** Fork evidence as the `fork.evidence` op carries it. */
export interface ForkEvidence {
  /** The forked writer (device) key, z32. */
  key: string
  /** The writer core's manifest, Hypercore encoding, hex. Its hash is the writer key. */
  manifest: string
  /** Two signed upgrade proofs from 0 to the same length, Hypercore wire `data` messages, hex. */
  proofs: [string, string]
}

/** One signed statement of the writer: "my log at `length` has tree hash `treeHash`". */
export interface SignedStatement {
  length: number
  /** Tree hash (hex) at `length`. */
  treeHash: string
  /** The length the signature covers (at least `length`): the writer's log was at least this long. */
  signedLength: number
}

/** What valid evidence proves: two signed statements for the same length that differ. */
export interface ProvenFork {
  length: number
  /** Hypercore's fork id (truncation count) both statements were signed under. */
  fork: number
  statements: [SignedStatement, SignedStatement]
}

/**
 * Check evidence against the writer `key`. Never throws: anything that is not two valid,
 * conflicting signed statements of that writer is an `INVALID_EVIDENCE` refusal.
 */
export function proveFork (key: Buffer, manifest: string, proofs: string[]): ProvenFork | Refusal {
  try {
    return prove(key, manifest, proofs)
  } catch {
    // Decoders and tree verification throw on malformed input: bad evidence, never a crash.
    return invalid('the evidence does not decode as two Hypercore proofs')
  }
}

function prove (key: Buffer, manifestHex: string, proofs: string[]): ProvenFork | Refusal {
  if (proofs.length !== 2) return invalid('evidence holds two proofs')
  const manifest = decodeCanonical(messages.manifest, hexBytes(manifestHex))
  if (manifest === null || !Verifier.isValidManifest(key, manifest)) return invalid('the manifest is not the writer\'s')
  const a = statement(key, manifest, proofs[0])
  if ('code' in a) return a
  const b = statement(key, manifest, proofs[1])
  if ('code' in b) return b
  if (a.length !== b.length) return invalid('the statements are about different lengths')
  if (a.fork !== b.fork) return invalid('the statements were signed under different fork ids (a truncation, not a fork)')
  if (a.treeHash === b.treeHash) return invalid('the statements agree: no fork')
  return { length: a.length, fork: a.fork, statements: [strip(a), strip(b)] }
}

function statement (key: Buffer, manifest: Manifest, hex: string): (SignedStatement & { fork: number }) | Refusal {
  const proof = decodeCanonical(messages.wire.data, hexBytes(hex))
  if (proof === null) return invalid('a proof does not decode')
  const upgrade = proof.upgrade
  if (upgrade === null || upgrade.start !== 0 || upgrade.length < 1 || proof.request !== 0 || proof.block !== null || proof.hash !== null || proof.seek !== null) {
    return invalid('a statement is an upgrade proof from 0, and nothing else')
  }
  // Exactly the tree's roots at `length`: their hash is the statement; the signature covers it.
  if (upgrade.nodes.length !== fullRoots(upgrade.length).length) return invalid('a proof does not carry the roots of its length')
  const tree = signedRoots(key, manifest, proof)
  if (tree === null) return invalid('a signature does not verify')
  return { length: upgrade.length, treeHash: crypto.tree(upgrade.nodes).toString('hex'), signedLength: tree.length, fork: proof.fork }
}

/**
 * Assemble evidence from a `conflict` event of `core`. Call it from the listener itself: the
 * core's sessions close right after the event, and the local proof is read before they do.
 * Null for a core without a manifest (Hypercore reports no conflict for those).
 */
export async function captureFork (core: Hypercore, length: number, remote: DataMessage): Promise<ForkEvidence | null> {
  const manifest = core.manifest
  if (manifest === null) return null
  const local = await core.proof({ upgrade: { start: 0, length } })
  return encodeEvidence(core.key, manifest, [remote, { ...local, request: 0 }])
}

/** Evidence from a writer's key, its manifest and two upgrade proofs of its log. */
export function encodeEvidence (key: Buffer, manifest: Manifest, proofs: [DataMessage, DataMessage]): ForkEvidence {
  return {
    key: encodeKey(key),
    manifest: encodeBuffer(messages.manifest, manifest).toString('hex'),
    proofs: [encodeProof(proofs[0]), encodeProof(proofs[1])]
  }
}

function encodeProof (proof: DataMessage): string {
  // Only the upgrade is the statement; a manifest sent along is already in the evidence.
  return encodeBuffer(messages.wire.data, { ...proof, request: 0, block: null, hash: null, seek: null, manifest: null }).toString('hex')
}

/** Hex as bytes; bytes that do not round-trip (odd length, stray characters) fail decoding. */
function hexBytes (hex: string): Buffer {
  const bytes = Buffer.from(hex, 'hex')
  return bytes.toString('hex') === hex ? bytes : Buffer.alloc(0)
}

function strip ({ length, treeHash, signedLength }: SignedStatement): SignedStatement {
  return { length, treeHash, signedLength }
}

function invalid (reason: string): Refusal {
  return { code: 'INVALID_EVIDENCE', reason }
}
