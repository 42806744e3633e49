/**
 * Entries a removed member wrote that the ledger ordered after its removal. Autobase never hands
 * a removed writer's later blocks to apply (apply-state skips them), so they never reach the view:
 * without this they would read as `pending` for ever. Their status is derived instead from what
 * every peer holds alike: the member record says removed, and the writer's signed log holds a
 * block the view does not. That is `rejected` with NOT_A_MEMBER, final once the removal is in
 * the view's signed prefix (nothing can then be ordered before it any more).
 *
 * Such entries are not in the view: `get`, `status` and `confirmed` report them; `query`,
 * `watch` and the indexes never list them.
 */
import Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import type { Entry } from '../protocol/entry.js'
import { formatId, type EntryAddress } from '../protocol/entry-id.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import { decodeBlock, type WireOp } from '../protocol/ops.js'
import type { MemberRecord } from '../apply/membership.js'
import { memberKey } from '../protocol/view-layout.js'

/** What the derivation reads: the ledger's keys, its view, and the store holding the writer logs. */
export interface RemovedSource {
  store: Corestore
  base: Pick<Autobase<Hyperbee>, 'key' | 'encryptionKey' | 'view'>
}

/**
 * The entry at `addr` as a rejection, when its block is in the log of a removed member held here
 * but not in the view; null otherwise (a member's block not applied yet is `pending`).
 */
export async function entryAfterRemoval ({ store, base }: RemovedSource, addr: EntryAddress): Promise<Entry | null> {
  const member = await base.view.get(memberKey(addr.writer))
  if (member === null) return null
  const record = JSON.parse(member.value.toString()) as MemberRecord
  if (record.removedAt === undefined) return null
  const log = store.get({ key: addr.writer, active: false })
  try {
    await log.ready()
    if (addr.seq >= log.length) return null
    const raw = await log.get(addr.seq, { wait: false })
    const value = raw === null
      ? null
      : await Autobase.decodeValue(raw, { autobase: base.key, encryptionKey: base.encryptionKey, key: addr.writer, manifest: log.manifest, index: addr.seq })
    if (raw !== null && value === null) return null // an ack: no entry
    const block = value === null ? null : decodeBlock(value)
    const op: Partial<WireOp> | undefined = block === null || 'code' in block ? (addr.offset === 0 ? {} : undefined) : block.o[addr.offset]
    if (op === undefined) return null
    const final = member.seq < base.view.core.signedLength
    return {
      id: formatId(addr.writer, addr.seq, addr.offset),
      writer: encodeKey<DeviceKey>(addr.writer),
      seq: addr.seq,
      offset: addr.offset,
      type: typeof op.t === 'string' ? op.t : '',
      version: block !== null && !('code' in block) ? block.p : 0,
      timestamp: typeof op.s === 'number' ? op.s : 0,
      data: op.d ?? null,
      status: 'rejected',
      rejection: { code: 'NOT_A_MEMBER', reason: `the writer was removed (entry ${record.removedAt}) before this block was ordered`, final }
    }
  } finally {
    await log.close()
  }
}
