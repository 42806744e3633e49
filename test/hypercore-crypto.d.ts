/** The few hypercore-crypto calls the tests make (to rewrite Merkle tree nodes as an attacker). */
declare module 'hypercore-crypto' {
  interface TreeNode { index: number, size: number, hash: Buffer }
  const crypto: {
    discoveryKey (key: Buffer): Buffer
    data (block: Buffer): Buffer
    parent (left: TreeNode, right: TreeNode): Buffer
  }
  export = crypto
}
