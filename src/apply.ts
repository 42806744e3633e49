/**
 * The deterministic router: the only code that decides what the ledger says. It reads only the
 * nodes and the view, never a clock, the network or outside state, and never throws on data from
 * the network: an op that fails a check is recorded as rejected, with a code and a reason, in the
 * same place on every peer.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { formatId } from './entry-id.js'
import { encodeKey } from './keys.js'
import {
  PROTOCOL_VERSION, checkOp, decodeBlock, isSystemType, parseMemberOp,
  type MemberOp, type Refusal, type Role, type WireOp
} from './ops.js'
import { EMPTY, SEGMENT_SPAN, blockKey, memberKey, rejectedKey, segmentKey, type IndexName } from './view-layout.js'

/** A member record as stored in the view. */
export interface MemberRecord {
  role: Role
  addedBy: string
  addedAt: string
  removedBy?: string
  removedAt?: string
}

/** The shape of an apply function over a Hyperbee view. */
export type ApplyFn = (nodes: Autobase.Node[], view: Hyperbee, host: Autobase.Host) => Promise<void>

/**
 * Build the apply function. `genesis` returns the ledger key: its writer is the first indexer,
 * the only member that exists before any op.
 */
export function createApply (genesis: () => Buffer): ApplyFn {
  return async function apply (nodes, view, host) {
    const batch = view.batch({ update: false })
    for (const node of nodes) {
      if (node.value === null) continue
      const writer = node.from.key
      const seq = node.length - 1
      const block = decodeBlock(node.value)
      if ('code' in block) {
        await batch.put(blockKey(writer, seq), Buffer.from(JSON.stringify({ x: block })))
        await batch.put(rejectedKey(writer, seq, 0), EMPTY)
        continue
      }
      if (block.p > PROTOCOL_VERSION) {
        // Applying ops of an unknown protocol as anything else would fork this peer's view.
        await batch.close()
        host.interrupt({ code: 'UPGRADE_REQUIRED', protocol: block.p, writer: encodeKey(writer), seq })
        return
      }
      await applyBlock(batch, host, writer, seq, block.o, genesis())
    }
    await batch.flush()
  }
}

async function applyBlock (batch: Hyperbee.Batch, host: Autobase.Host, writer: Buffer, seq: number, ops: WireOp[], genesis: Buffer): Promise<void> {
  const records: string[] = []
  const accepted: Array<{ offset: number, type: string, ts: number }> = []
  let role = await roleOf(batch, writer, genesis)
  for (let offset = 0; offset < ops.length; offset++) {
    const op = ops[offset]
    const checked = checkOp(op)
    let refusal: Refusal | null = 'code' in checked ? checked : null
    if (refusal === null && role === null) refusal = { code: 'NOT_A_MEMBER', reason: 'the writer is not a member at this point of the ledger' }
    if (refusal === null && isSystemType(op.t)) {
      const member = parseMemberOp(op.t, op.d) as MemberOp
      refusal = await applyMember(batch, host, member, writer, role as Role, formatId(writer, seq, offset))
      if (refusal === null && member.key.equals(writer)) role = await roleOf(batch, writer, genesis)
    }
    if (refusal !== null) {
      records.push(rejectedRecord(op, refusal))
      await batch.put(rejectedKey(writer, seq, offset), EMPTY)
      continue
    }
    records.push(`{"t":${JSON.stringify(op.t)},"v":${PROTOCOL_VERSION},"ts":${op.s},"d":${(checked as { json: string }).json}}`)
    accepted.push({ offset, type: op.t, ts: op.s })
  }
  await batch.put(blockKey(writer, seq), Buffer.from(`{"o":[${records.join(',')}]}`))
  if (accepted.length === 0) return
  await putSegments(batch, 'time', '', writer, seq, accepted)
  await putSegments(batch, 'writer', '', writer, seq, accepted)
  const types = new Map<string, typeof accepted>()
  for (const a of accepted) {
    const list = types.get(a.type)
    if (list === undefined) types.set(a.type, [a])
    else list.push(a)
  }
  for (const [type, list] of types) await putSegments(batch, 'type', type, writer, seq, list)
}

/** Index a block's entries in segments of at most SEGMENT_SPAN ms, each sorted by (ts, offset). */
async function putSegments (
  batch: Hyperbee.Batch, index: IndexName, type: string, writer: Buffer, seq: number, items: Array<{ offset: number, ts: number }>
): Promise<void> {
  const sorted = [...items].sort((x, y) => x.ts - y.ts || x.offset - y.offset)
  let start = 0
  for (let i = 1; i <= sorted.length; i++) {
    if (i < sorted.length && sorted[i].ts - sorted[start].ts < SEGMENT_SPAN) continue
    const segment = sorted.slice(start, i)
    const key = segmentKey(index, type, segment[0].ts, writer, seq, segment[0].offset)
    await batch.put(key, Buffer.from(JSON.stringify(segment.map((s) => [s.offset, s.ts]))))
    start = i
  }
}

/** The active role of `key` at this point of the view, or null when it is not a member. */
export async function roleOf (bee: Pick<Hyperbee.Batch, 'get'>, key: Buffer, genesis: Buffer): Promise<Role | null> {
  const node = await bee.get(memberKey(key))
  if (node === null) return key.equals(genesis) ? 'indexer' : null
  const record = JSON.parse(node.value.toString()) as MemberRecord
  return record.removedAt === undefined ? record.role : null
}

async function applyMember (
  batch: Hyperbee.Batch, host: Autobase.Host, op: MemberOp, writer: Buffer, role: Role, id: string
): Promise<Refusal | null> {
  if (role !== 'indexer') return { code: 'NOT_AUTHORISED', reason: 'only indexers may change membership' }
  const node = await batch.get(memberKey(op.key))
  const current = node === null ? null : JSON.parse(node.value.toString()) as MemberRecord
  const active = current !== null && current.removedAt === undefined
  const by = encodeKey(writer)

  if (op.kind === 'remove') {
    if (!active) return { code: 'UNKNOWN_MEMBER', reason: 'the device is not a member' }
    if (!host.removeable(op.key)) return { code: 'LAST_INDEXER', reason: 'the last indexer cannot be removed' }
    await host.removeWriter(op.key)
    await putMember(batch, op.key, { ...current, removedBy: by, removedAt: id })
    return null
  }

  if (active && current.role === op.role) return null
  if (active && current.role === 'indexer' && !host.removeable(op.key)) {
    return { code: 'LAST_INDEXER', reason: 'the last indexer cannot become a writer' }
  }
  await host.addWriter(op.key, { indexer: op.role === 'indexer' })
  await putMember(batch, op.key, { role: op.role, addedBy: by, addedAt: id })
  return null
}

async function putMember (batch: Hyperbee.Batch, key: Buffer, record: MemberRecord): Promise<void> {
  await batch.put(memberKey(key), Buffer.from(JSON.stringify(record)))
}

function rejectedRecord (op: WireOp, refusal: Refusal): string {
  // Keep what can be kept for review; never store data refused for its size or shape.
  const record: Record<string, unknown> = { x: { code: refusal.code, reason: refusal.reason } }
  if (typeof op === 'object' && op !== null) {
    if (typeof op.t === 'string') record.t = op.t.slice(0, 64)
    record.v = PROTOCOL_VERSION
    if (Number.isSafeInteger(op.s)) record.ts = op.s
    if (refusal.code !== 'ENTRY_TOO_LARGE' && refusal.code !== 'INVALID_ENTRY') record.d = op.d
  }
  return JSON.stringify(record)
}
