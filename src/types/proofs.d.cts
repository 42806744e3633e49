/**
 * Narrow ambient declarations for the hashing, signing and proof-checking parts of hypercore that
 * receipts and fork evidence use. They are internals (no types, no semver promise): hypercore is
 * pinned to one version (package.json overrides), and checks must verify exactly as the
 * replication code does.
 */

declare module 'hypercore-crypto' {
  const crypto: {
    hash(data: Buffer | Buffer[]): Buffer
    keyPair(seed?: Buffer): { publicKey: Buffer; secretKey: Buffer }
    /** The hash of a tree given its roots. */
    tree(roots: Array<{ index: number; size: number; hash: Buffer }>): Buffer
    /** Merkle leaf and parent hashes, and a key's discovery key (the tests rewrite trees as an attacker would). */
    data(block: Buffer): Buffer
    parent(left: { index: number; size: number; hash: Buffer }, right: { index: number; size: number; hash: Buffer }): Buffer
    discoveryKey(key: Buffer): Buffer
    sign(message: Buffer, secretKey: Buffer): Buffer
    verify(message: Buffer, signature: Buffer, publicKey: Buffer): boolean
  }
  export = crypto
}

declare module 'hypercore/lib/messages.js' {
  import type { Encoder } from 'compact-encoding'
  namespace messages {
    type Encoding<T> = Encoder<T>
    interface TreeNode { index: number; size: number; hash: Buffer }
    interface Manifest {
      version: number
      quorum: number
      signers: Array<{ signature: string; namespace: Buffer; publicKey: Buffer }>
      prologue: { hash: Buffer; length: number } | null
      [k: string]: unknown
    }
    /** A hypercore data message: a Merkle proof, optionally with the block and the manifest. */
    interface DataMessage {
      request: number
      fork: number
      block: { index: number; value: Buffer; nodes: TreeNode[] } | null
      hash: { index: number; nodes: TreeNode[] } | null
      seek: unknown
      upgrade: { start: number; length: number; nodes: TreeNode[]; additionalNodes: TreeNode[]; signature: Buffer } | null
      /** Absent from the proofs a core makes; the encoding needs it (null when not sent). */
      manifest?: Manifest | null
    }
  }
  const messages: {
    wire: { data: Encoder<messages.DataMessage> }
    manifest: Encoder<messages.Manifest>
    multiSignature: Encoder<{ proofs: Array<{ signer: number; signature: Buffer; patch: number }>; patch: unknown[] }>
  }
  export = messages
}

declare module 'hypercore/lib/merkle-tree.js' {
  namespace tree {
    /** The verified result of a proof: its length, roots and signature. */
    type MerkleTreeBatch = TreeBatch
    interface TreeBatch {
      length: number
      roots: Array<{ index: number; size: number; hash: Buffer }>
      nodes: Array<{ index: number; size: number; hash: Buffer }>
      signature: Buffer | null
      hash(): Buffer
    }
  }
  const tree: {
    MerkleTree: {
      verifyFullyRemote(session: unknown, proof: unknown): tree.TreeBatch
      /** A stored tree node of a session's core, or null. */
      get(session: unknown, index: number): Promise<import('hypercore/lib/messages.js').TreeNode | null>
    }
  }
  export = tree
}

declare module 'hypercore/lib/verifier.js' {
  class Verifier {
    constructor(key: Buffer, manifest: unknown, opts?: Record<string, unknown>)
    verify(batch: unknown, signature: Buffer | null): boolean
    static isValidManifest(key: Buffer, manifest: unknown): boolean
    static createManifest(manifest: unknown): unknown
  }
  export = Verifier
}
