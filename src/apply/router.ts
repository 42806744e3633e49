/**
 * The deterministic router: the only code that decides what the ledger says. It reads only the
 * nodes and the view, never a clock, the network or outside state, and never throws on data from
 * the network: an op that fails a check is recorded as rejected, with a code and a reason, in the
 * same place on every peer. Interpreted ops go to their handler (apply/registry.ts); every
 * accepted op is then offered to the rules.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { formatId } from '../protocol/entry-id.js'
import { encodeKey } from '../keys.js'
import { PROTOCOL_VERSION, decodeBlock, type WireOp } from '../protocol/ops.js'
import type { Refusal } from '../protocol/vocabulary.js'
import { checkOp } from '../apply/check-op.js'
import type { ApplyCache, OpContext } from './context.js'
import { keyOf } from './context.js'
import { memberRecord, roleOf } from './membership.js'
import { countBlock } from './policy.js'
import { activeProtocol } from './protocol-activation.js'
import { stateKeys, ranges } from '../protocol/state-layout.js'
import { decodeBlockRecord } from '../protocol/entry.js'
import { handlerOf } from './registry.js'
import { runRules } from './rule-engine.js'
import { ViewCache } from './view-cache.js'
import { LOCAL_INDEX_PROTOCOL, accepted as acceptedOp, blockSegments, type Accepted } from './segments.js'
import { flushMoney } from './transfer-batch.js'
import { EMPTY, blockKey, rejectedKey } from '../protocol/view-layout.js'

/** The shape of an apply function over a Hyperbee view. */
export type ApplyFn = (nodes: Autobase.Node[], view: Hyperbee, host: Autobase.Host) => Promise<void>

/**
 * Build the apply function. `genesis` returns the ledger key: its writer is the first indexer,
 * the only member that exists before any op.
 */
export function createApply (genesis: () => Buffer, observe: (blocks: number) => void = () => {}): ApplyFn {
  const views = new ViewCache()
  return async function apply (nodes, view, host) {
    const { batch, cache } = views.begin(view, view.batch({ update: false }))
    observe(nodes.length)
    for (const node of nodes) {
      if (node.value === null) continue
      const writer = node.from.key
      const seq = node.length - 1
      const active = await activeOf(batch, cache)
      if (active > PROTOCOL_VERSION) {
        // The ledger activated a protocol this code does not know: whatever comes after the
        // activation may mean something else under it. Stop before it; nothing of this call is kept.
        await batch.close()
        host.interrupt({ code: 'UPGRADE_REQUIRED', protocol: active, activated: true, writer: encodeKey(writer), seq })
        return
      }
      const block = decodeBlock(node.value)
      if ('code' in block) {
        await batch.put(blockKey(writer, seq), Buffer.from(JSON.stringify({ x: block })))
        await batch.put(rejectedKey(writer, seq, 0), EMPTY)
        await countBlock(batch, cache, writer, seq, true)
        continue
      }
      if (block.p > active) {
        // Not the ledger's protocol (yet): refused whole, the same on every peer that knows
        // activation, whichever protocols its code knows. Its ops are not kept: no peer reads them.
        const refusal: Refusal = { code: 'PROTOCOL_NOT_ACTIVE', reason: `the block is stamped protocol ${block.p}; the ledger runs protocol ${active}` }
        await batch.put(blockKey(writer, seq), Buffer.from(JSON.stringify({ x: refusal, p: block.p })))
        await batch.put(rejectedKey(writer, seq, 0), EMPTY)
        await countBlock(batch, cache, writer, seq, true)
        continue
      }
      await applyBlock(batch, host, cache, genesis(), writer, seq, block.p, block.o, active)
    }
    await batch.flush()
    views.commit(view)
  }
}

/** The ledger's active protocol, read once per apply call (an activation updates the cache). */
async function activeOf (batch: Hyperbee.Batch, cache: ApplyCache): Promise<number> {
  cache.protocol ??= await activeProtocol(batch)
  return cache.protocol
}

async function applyBlock (
  batch: Hyperbee.Batch, host: Autobase.Host, cache: ApplyCache, genesis: Buffer, writer: Buffer, seq: number, protocol: number, ops: WireOp[], active: number
): Promise<void> {
  const member = await memberRecord(batch, writer)
  if (member?.quarantined !== undefined && member.removedAt === undefined) {
    // Quarantined: keep the block as written, for review; release applies it then.
    await batch.put(blockKey(writer, seq), Buffer.from(JSON.stringify({ held: { by: member.quarantined.by, reason: member.quarantined.reason }, p: protocol, o: ops })))
    await batch.put(stateKeys.held(writer, seq), EMPTY)
    return
  }
  const records: string[] = []
  const accepted: Accepted[] = []
  let role = member === null ? (writer.equals(genesis) ? 'indexer' : null) : member.removedAt === undefined ? member.role : null
  for (let offset = 0; offset < ops.length; offset++) {
    const op = ops[offset]
    const checked = checkOp(op, protocol)
    let refusal: Refusal | null = 'code' in checked ? checked : null
    if (refusal === null && role === null) refusal = { code: 'NOT_A_MEMBER', reason: 'the writer is not a member at this point of the ledger' }
    const ctx: OpContext = {
      batch, host, genesis, writer, id: formatId(writer, seq, offset), address: { writer, seq, offset }, ts: op.s, active, live: true, cache
    }
    const handler = refusal === null ? handlerOf(op.t, protocol) : null
    if (handler !== null) {
      refusal = await handler.apply(ctx, op.d)
      if (refusal === null && op.t.startsWith('member.')) role = await roleOf(batch, writer, genesis)
      if (refusal === null && op.t === 'member.release') await releaseHeld(batch, host, cache, genesis, keyOf((op.d as { key: string }).key), active)
    }
    if (refusal !== null) {
      records.push(rejectedRecord(op, refusal, protocol))
      await batch.put(rejectedKey(writer, seq, offset), EMPTY)
      continue
    }
    records.push(`{"t":${JSON.stringify(op.t)},"v":${protocol},"ts":${op.s},"d":${(checked as { json: string }).json}}`)
    accepted.push(acceptedOp(offset, op.t, op.s, op.d))
    // Rules exist only on peers that understand protocol 2, so running them on every block
    // (whatever its protocol) is safe: a peer that cannot run them never gets past rule.add.
    await runRules(ctx, op.t, op.d)
  }
  await flushMoney(batch, cache)
  // From LOCAL_INDEX_PROTOCOL on the record says so (`a`) and its segments stay out of the view:
  // every device derives them from the record (view/local-index.ts).
  const local = active >= LOCAL_INDEX_PROTOCOL
  await batch.put(blockKey(writer, seq), Buffer.from(`{"o":[${records.join(',')}]${local ? `,"a":${active}` : ''}}`))
  // Only a ledger with an auto-quarantine policy (protocol 5) counts: older ledgers apply as before.
  await countBlock(batch, cache, writer, seq, accepted.length === 0)
  if (local) return
  for (const { key, value } of blockSegments(active, writer, seq, accepted)) await batch.put(key, value)
}

/** Apply a released device's held blocks, in its log order, as if they arrived now. */
async function releaseHeld (batch: Hyperbee.Batch, host: Autobase.Host, cache: ApplyCache, genesis: Buffer, writer: Buffer, active: number): Promise<void> {
  const held: Buffer[] = []
  for await (const node of batch.createReadStream(ranges.held(writer))) held.push(node.key)
  for (const k of held) {
    const seq = Number(k.readBigUInt64BE(33))
    const node = await batch.get(blockKey(writer, seq))
    await batch.del(k)
    if (node === null) continue
    const record = decodeBlockRecord(node.value)
    await applyBlock(batch, host, cache, genesis, writer, seq, record.p ?? 1, (record.o ?? []) as unknown as WireOp[], active)
  }
}

function rejectedRecord (op: WireOp, refusal: Refusal, protocol: number): string {
  // Keep what can be kept for review; never store data refused for its size or shape.
  const record: Record<string, unknown> = { x: { code: refusal.code, reason: refusal.reason } }
  if (typeof op === 'object' && op !== null) {
    if (typeof op.t === 'string') record.t = op.t.slice(0, 64)
    record.v = protocol // the block's, never this code's: peers on other versions must agree
    if (Number.isSafeInteger(op.s)) record.ts = op.s
    if (refusal.code !== 'ENTRY_TOO_LARGE' && refusal.code !== 'INVALID_ENTRY') record.d = op.d
  }
  return JSON.stringify(record)
}
