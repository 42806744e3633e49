/**
 * Making receipts (see receipt.ts) from what this device holds: the writer's log block, read raw
 * (ciphertext, as the Merkle tree covers it) and decoded with the ledger's key only to find the
 * seal and the entry's neighbours; the view record's index; proofs from both signed cores.
 */
import Autobase from 'autobase'
import crypto from 'hypercore-crypto'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import treeModule from 'hypercore/lib/merkle-tree.js'
import messages, { type TreeNode } from 'hypercore/lib/messages.js'
import { parseId, type EntryId } from '../protocol/entry-id.js'
import { decodeBlockRecord } from '../protocol/entry.js'
import { MeshledgerError } from '../errors.js'
import { encodeKey, type LedgerKey } from '../keys.js'
import { decodeBlock } from '../protocol/ops.js'
import { queryEntries } from './query.js'
import type { LocalIndex } from './local-index.js'
import { RECEIPT_FORMAT, receiptBody, type Receipt } from '../proofs/receipt.js'
import { entryHash, entryPath } from '../proofs/seal.js'
import { encodeBuffer, flatParent, flatSibling, fullRoots } from '../proofs/signed-tree.js'
import { entryAfterRemoval } from './removed-entries.js'
import { blockKey } from '../protocol/view-layout.js'

/** What `makeReceipt` reads: the ledger's store, its Autobase and its view. */
export interface ProofSource {
  store: Corestore
  base: Autobase<Hyperbee>
  /** The local index of protocol-7 blocks (view/local-index.ts), null for a view without one. */
  index: LocalIndex | null
  /** This device's signing key pair: it signs the receipts it issues. */
  keyPair: { publicKey: Buffer, secretKey: Buffer }
}

/** Options of `ledger.proof()`. */
export interface ProofOptions {
  /** Also carry the (encrypted) block, so holders of the encryption key can check it whole. */
  block?: boolean
}

const RULE_TYPES = ['rule.add', 'rule.remove']

/** Build the receipt of entry `id`; `NOT_FOUND` if unknown, `NOT_PROVABLE` if rejected, held or not applied. */
export async function makeReceipt ({ store, base, index, keyPair }: ProofSource, id: string, opts: ProofOptions = {}): Promise<Receipt> {
  const { writer, seq, offset } = parseId(id)
  const view = base.view
  const node = await view.get(blockKey(writer, seq))
  if (node === null) {
    if ((await entryAfterRemoval({ store, base }, { writer, seq, offset })) !== null) throw MeshledgerError.notProvable(`${id} was rejected (its writer was removed)`)
    throw MeshledgerError.notFound(`no entry ${id} in this device's view`)
  }
  const record = decodeBlockRecord(node.value)
  const stored = record.o?.[offset]
  if (stored === undefined) throw MeshledgerError.notFound(`no entry ${id} in this device's view`)
  if (record.held !== undefined) throw MeshledgerError.notProvable(`${id} is held (its writer is quarantined)`)
  if (record.x !== undefined || stored.x !== undefined) throw MeshledgerError.notProvable(`${id} was rejected`)

  const log = store.get({ key: writer, active: false })
  try {
    await log.ready()
    const raw = await log.get(seq, { wait: false })
    if (raw === null) throw MeshledgerError.notProvable(`block ${seq} of ${encodeKey(writer)} is not held here`)
    const value = await Autobase.decodeValue(raw, { autobase: base.key, encryptionKey: base.encryptionKey, key: writer, manifest: log.manifest, index: seq })
    const block = decodeBlock(value)
    if ('code' in block) throw MeshledgerError.notProvable(`block ${seq} of ${encodeKey(writer)} does not decode`)
    const entries = block.o.map((op) => JSON.stringify({ t: op.t, s: op.s, d: op.d }))
    const sealed = typeof block.z === 'string'
    const withBlock = opts.block === true || !sealed
    const proof = await proveIndex(log, seq, withBlock)

    const body: Omit<Receipt, 'issuer'> = {
      format: RECEIPT_FORMAT,
      ledger: encodeKey<LedgerKey>(base.key),
      id: id as EntryId,
      entry: entries[offset],
      seal: sealed
        ? { count: entries.length, path: entryPath(entries.map(entryHash), offset).map((h) => h.toString('base64')), signature: block.z as string }
        : null,
      log: proof,
      view: await viewProof(store, base, node.seq),
      rules: await ruleVersion(view, index, node.seq)
    }
    const signature = crypto.sign(receiptBody(body), keyPair.secretKey).toString('base64')
    return { ...body, issuer: { key: keyPair.publicKey.toString('hex'), signature } }
  } finally {
    await log.close()
  }
}

/**
 * Block `index`'s Merkle path (with its value if `withBlock`) and the signed roots at the core's
 * length, sent as one hypercore data message; the verifier checks the two apart. The path is read
 * node by node because hypercore fails to make the combined proof for blocks past a view core's
 * prologue (INVALID_OPERATION), although every node is there.
 */
async function proveIndex (core: Hypercore, index: number, withBlock: boolean): Promise<string> {
  const signed = await core.proof({ upgrade: { start: 0, length: core.length } })
  const roots = fullRoots(core.length)
  const nodes: TreeNode[] = []
  let at = 2 * index
  if (!withBlock) nodes.push(await treeNode(core, at))
  while (!roots.includes(at)) {
    nodes.push(await treeNode(core, flatSibling(at)))
    at = flatParent(at)
  }
  const message = {
    request: 0,
    fork: signed.fork,
    block: withBlock ? { index, value: await core.get(index, { wait: false }) as Buffer, nodes } : null,
    hash: withBlock ? null : { index: 2 * index, nodes },
    seek: null,
    upgrade: signed.upgrade,
    manifest: core.manifest
  }
  return encodeBuffer(messages.wire.data, message).toString('base64')
}

async function treeNode (core: Hypercore, index: number): Promise<TreeNode> {
  const node = await treeModule.MerkleTree.get((core as unknown as { state: unknown }).state, index)
  if (node === null) throw MeshledgerError.notProvable(`tree node ${index} is missing`)
  return node
}

/** The proof of view record `index`, if the indexers' signed view reaches it. */
async function viewProof (store: Corestore, base: Autobase<Hyperbee>, index: number): Promise<Receipt['view']> {
  if (index >= base.view.core.signedLength) return null
  const core = store.get({ key: base.view.core.key, active: false })
  try {
    await core.ready()
    if (core.length <= index) return null
    return { index, proof: await proveIndex(core, index, false) }
  } finally {
    await core.close()
  }
}

/** Rule changes applied before view record `index` (records are appended in apply order). */
async function ruleVersion (view: Hyperbee, local: LocalIndex | null, index: number): Promise<Receipt['rules']> {
  let version = 0
  let last: { id: EntryId, at: number } | null = null
  for (const type of RULE_TYPES) {
    for await (const entry of queryEntries(view, { type }, local)) {
      const node = await view.get(blockKey(parseId(entry.id).writer, entry.seq))
      if (node === null || node.seq >= index) continue
      version++
      if (last === null || node.seq > last.at || (node.seq === last.at && entry.id > last.id)) last = { id: entry.id, at: node.seq }
    }
  }
  return { version, last: last?.id ?? null }
}
