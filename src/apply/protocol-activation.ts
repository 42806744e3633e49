/**
 * `ledger.protocol { version }`: the indexers activate a protocol, the way a channel's
 * capability level is raised in Hyperledger Fabric. The ledger's active protocol lives in the
 * view, so apply decides from the view alone, on old code and new alike:
 *
 * - a block stamped above the active protocol is rejected whole (PROTOCOL_NOT_ACTIVE), so a writer
 *   stamping `p: 99` changes nothing and stops no one;
 * - an activation takes effect from the block after its own (the rest of its block is applied
 *   under the protocol that was active), so every peer applies the activation's block the same;
 * - a device whose code does not know the active protocol stops before applying anything after
 *   the activation (see apply.ts) and asks for an upgrade.
 *
 * A ledger without an activation record runs {@link BASELINE_PROTOCOL}: every protocol up to the
 * one that introduced activation, which older ledgers used without ever activating anything.
 */
import type Hyperbee from 'hyperbee'
import { encodeKey } from '../keys.js'
import { refuse } from '../protocol/vocabulary.js'
import { getJson, isObject, onlyFields, putJson, type OpHandler } from './context.js'
import { roleOf } from './membership.js'
import { stateKeys } from '../protocol/state-layout.js'

/** The protocol that introduced `ledger.protocol`: the active protocol of a ledger that never activated one. */
export const BASELINE_PROTOCOL = 4

/** The activation record in the view. */
export interface ProtocolRecord {
  version: number
  /** The indexer that activated it, and the activation entry's id. */
  by: string
  at: string
}

/** The activation in force, or null when the ledger runs the baseline. */
export async function protocolRecord (bee: Pick<Hyperbee.Batch, 'get'>): Promise<ProtocolRecord | null> {
  return getJson<ProtocolRecord>(bee, stateKeys.protocol())
}

/** The ledger's active protocol at this point of the view. */
export async function activeProtocol (bee: Pick<Hyperbee.Batch, 'get'>): Promise<number> {
  return (await protocolRecord(bee))?.version ?? BASELINE_PROTOCOL
}

const activate: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'ledger.protocol data is an object')
    const fields = onlyFields(data, ['version'], 'ledger.protocol')
    if (fields !== null) return fields
    const { version } = data as { version?: unknown }
    return Number.isSafeInteger(version) && (version as number) > 0 ? null : refuse('INVALID_ENTRY', 'version is a positive integer')
  },
  async apply (ctx, data) {
    if ((await roleOf(ctx.batch, ctx.writer, ctx.genesis)) !== 'indexer') return refuse('NOT_AUTHORISED', 'only indexers may activate a protocol')
    const { version } = data as { version: number }
    const active = await activeProtocol(ctx.batch)
    if (version <= active) return refuse('INVALID_ENTRY', `protocol ${active} is active already; a protocol is activated once, upwards`)
    const record: ProtocolRecord = { version, by: encodeKey(ctx.writer), at: ctx.id }
    await putJson(ctx.batch, stateKeys.protocol(), record)
    ctx.cache.protocol = version
    return null
  }
}

/** The protocol handlers, by op type. */
export const protocolOps: Record<string, OpHandler> = {
  'ledger.protocol': activate
}
