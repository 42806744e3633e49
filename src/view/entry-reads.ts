/**
 * Point reads of entries and members in the view: an entry by its address (a removed writer's
 * late entries derived from its log, removed-entries.ts), a block record, the member list.
 */
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import type { MemberRecord } from '../apply/membership.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import { decodeBlockRecord, entryOfBlock, type BlockRecord, type Entry } from '../protocol/entry.js'
import type { EntryAddress } from '../protocol/entry-id.js'
import { blockKey, memberRange } from '../protocol/view-layout.js'
import type { Member } from '../ledger-types.js'
import { entryAfterRemoval } from './removed-entries.js'

/** A block record of the view and the view seq it sits at. */
export interface BlockRead {
  record: BlockRecord
  nodeSeq: number
}

/** The view's record of block `seq` of `writer`, or null when apply has not written it. */
export async function readBlock (view: Hyperbee, writer: Buffer, seq: number): Promise<BlockRead | null> {
  const node = await view.get(blockKey(writer, seq))
  return node === null ? null : { record: decodeBlockRecord(node.value), nodeSeq: node.seq }
}

/** The entry at `addr` as this device's view holds it, or null. */
export async function readEntry (store: Corestore, base: Autobase<Hyperbee>, addr: EntryAddress): Promise<Entry | null> {
  const block = await readBlock(base.view, addr.writer, addr.seq)
  if (block === null) return entryAfterRemoval({ store, base }, addr)
  return entryOfBlock(addr.writer, addr.seq, addr.offset, block.record, block.nodeSeq, base.view.core.signedLength)
}

/** Current members (and, with `all`, removed ones). */
export async function readMembers (view: Hyperbee, all: boolean): Promise<Member[]> {
  const out: Member[] = []
  for await (const node of view.createReadStream(memberRange())) {
    const record = JSON.parse(node.value.toString()) as MemberRecord
    if (!all && record.removedAt !== undefined) continue
    out.push({ key: encodeKey<DeviceKey>(node.key.subarray(1)), ...record } as Member)
  }
  return out
}
