/**
 * Changing a closed ledger's stored data the way someone with access to the disk would: through
 * the storage layer (RocksDB via hypercore-storage), so RocksDB's own checksums stay valid and
 * only Hypercore's signed Merkle trees can tell. Flipping bytes in RocksDB's files instead mostly
 * ends in RocksDB checksum errors (or a store that does not open), not in altered data.
 */
import crypto from 'hypercore-crypto'
import HypercoreStorage from 'hypercore-storage'
import { decodeKey } from '../../src/index.js'

interface TreeNode { index: number, size: number, hash: Buffer }
interface Reader {
  getBlock (index: number): Promise<Buffer | null>
  getTreeNode (index: number): Promise<TreeNode | null>
  tryFlush (): void
}
interface Writer {
  putBlock (index: number, value: Buffer): void
  deleteBlock (index: number): void
  putTreeNode (node: TreeNode): void
  flush (): Promise<void>
}
interface CoreStorage { read (): Reader, write (): Writer }
interface Storage { ready (): Promise<void>, close (): Promise<void>, resumeCore (discoveryKey: Buffer): Promise<CoreStorage | null> }

/** How to tamper: flip a byte of the block; flip it and rewrite the tree to match; or drop it. */
export type Tampering = 'flip' | 'forge' | 'drop'

/**
 * Tamper with block `index` of the log (core) `key` in the closed storage folder `folder`, by
 * flipping the lowest bit of its byte at `byte` (negative: from the end). Blocks of an encrypted
 * ledger are XOR-stream ciphertext, so the same bit flips in the plaintext.
 */
export async function tamper (folder: string, key: string | Buffer, index: number, how: Tampering = 'flip', byte = -1): Promise<void> {
  const storage = new HypercoreStorage(folder) as unknown as Storage
  await storage.ready()
  try {
    const core = await storage.resumeCore(crypto.discoveryKey(typeof key === 'string' ? decodeKey(key) : key))
    if (core === null) throw new Error('no such log in ' + folder)
    const block = await read(core, (rx) => rx.getBlock(index))
    if (block === null) throw new Error(`block ${index} is not stored`)
    const changed = Buffer.from(block)
    changed[byte < 0 ? changed.length + byte : byte] ^= 0x01
    const tx = core.write()
    if (how === 'drop') tx.deleteBlock(index) // the bitfield still says it is here
    else tx.putBlock(index, changed)
    if (how === 'forge') await rehash(core, tx, index, changed)
    await tx.flush()
  } finally {
    await storage.close()
  }
}

/** Rewrite the leaf and every parent up to its root, as if the block had always been `value`. */
async function rehash (core: CoreStorage, tx: Writer, index: number, value: Buffer): Promise<void> {
  let node: TreeNode = { index: 2 * index, size: value.length, hash: crypto.data(value) }
  tx.putTreeNode(node)
  while (true) {
    const parent = parentOf(node.index)
    const sibling = await read(core, (rx) => rx.getTreeNode(2 * parent - node.index))
    if (sibling === null) return // `node` is a root
    const [left, right] = node.index < sibling.index ? [node, sibling] : [sibling, node]
    node = { index: parent, size: left.size + right.size, hash: crypto.parent(left, right) }
    tx.putTreeNode(node)
  }
}

/** The flat-tree parent of node `index`. */
function parentOf (index: number): number {
  let depth = 0
  while (((index >> depth) & 1) === 1) depth++
  const offset = Math.floor(index / 2 ** (depth + 1))
  return (2 * Math.floor(offset / 2) + 1) * 2 ** (depth + 1) - 1
}

async function read<T> (core: CoreStorage, fn: (rx: Reader) => Promise<T>): Promise<T> {
  const rx = core.read()
  const p = fn(rx)
  rx.tryFlush()
  return p
}
