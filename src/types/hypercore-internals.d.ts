/**
 * Narrow declarations for the parts of Hypercore's own code that check fork evidence: its wire
 * encodings, Merkle proof verification and signature verifier. They are internals (no types, no
 * semver promise): hypercore is pinned to one version (package.json overrides), and apply must
 * verify exactly as the replication code that found the fork does.
 */

declare module 'hypercore/lib/messages.js' {
  namespace messages {
    /** A compact-encoding codec. */
    interface Encoding<T> {
      preencode(state: unknown, value: T): void
      encode(state: unknown, value: T): void
      decode(state: unknown): T
    }
    /** A Merkle tree node. */
    interface TreeNode {
      index: number
      size: number
      hash: Buffer
    }
    /** A `data` message: what a peer answers a request with. An upgrade carries a signature. */
    interface DataMessage {
      request: number
      fork: number
      block: unknown
      hash: unknown
      seek: unknown
      upgrade: { start: number; length: number; nodes: TreeNode[]; additionalNodes: TreeNode[]; signature: Buffer } | null
      manifest: unknown
    }
    /** A core's manifest: who signs it and how; its hash is the core's key. */
    interface Manifest {
      prologue: { hash: Buffer; length: number } | null
    }
  }
  const messages: {
    manifest: messages.Encoding<messages.Manifest>
    wire: { data: messages.Encoding<messages.DataMessage> }
  }
  export = messages
}

declare module 'hypercore/lib/merkle-tree.js' {
  import type { DataMessage } from 'hypercore/lib/messages.js'
  namespace merkleTree {
    /** A tree rebuilt from a proof: its length, root hash, and the signature it came with. */
    interface MerkleTreeBatch {
      length: number
      signature: Buffer | null
      hash(): Buffer
    }
  }
  const merkleTree: {
    MerkleTree: {
      /** Rebuild the tree a proof describes without any local state (`session` seeds it). */
      verifyFullyRemote(session: unknown, proof: DataMessage): merkleTree.MerkleTreeBatch
    }
  }
  export = merkleTree
}

declare module 'hypercore/lib/verifier.js' {
  import type { Manifest } from 'hypercore/lib/messages.js'
  import type { MerkleTreeBatch } from 'hypercore/lib/merkle-tree.js'
  class Verifier {
    constructor(manifestHash: Buffer, manifest: Manifest)
    verify(batch: MerkleTreeBatch, signature: Buffer | null): boolean
    static isValidManifest(key: Buffer, manifest: Manifest): boolean
  }
  export = Verifier
}
