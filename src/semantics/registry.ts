/**
 * Every op type the ledger interprets, and the protocol version that introduced it. Any other
 * type is a plain entry (a note, a custom record): stored and indexed, not interpreted.
 *
 * A type means what it meant in the protocol its block was written under: `transfer` in a
 * protocol-1 block is a plain entry, because protocol 1 did not know transfers. Blocks are
 * stamped with the lowest protocol that defines all their ops (see ops.ts).
 */
import { accountOps } from './accounts.js'
import { assetOps } from './assets.js'
import type { OpHandler } from './context.js'
import { forkOps } from './forks.js'
import { inviteOps } from './invites.js'
import { membershipOps } from './membership.js'
import { policyOps } from './policy.js'
import { protocolOps } from './protocol.js'
import { ruleOps } from './rule-engine.js'
import { telemetryOps } from './telemetry.js'

const handlers = new Map<string, OpHandler>(Object.entries({
  ...membershipOps,
  ...accountOps,
  ...assetOps,
  ...telemetryOps,
  ...ruleOps,
  ...inviteOps,
  ...forkOps,
  ...protocolOps,
  ...policyOps
}))

/**
 * Prefixes no plain entry may use, and the protocol that reserved each: before it, a type with
 * that prefix is a plain entry, as it was to the peers that wrote it.
 */
const RESERVED: Array<[prefix: string, since: number]> = [
  ['member.', 1], ['ledger.', 1],
  ['account.', 2], ['asset.', 2], ['telemetry.', 2], ['rule.', 2], ['invite.', 2],
  ['fork.', 3]
]

function reservedSince (type: string): number | null {
  for (const [prefix, since] of RESERVED) if (type.startsWith(prefix)) return since
  return null
}

/** The handler of `type` in a block of `protocol`, or null for a plain entry. */
export function handlerOf (type: string, protocol: number): OpHandler | null {
  const handler = handlers.get(type)
  if (handler !== undefined && handler.since <= protocol) return handler
  return null
}

/** True when `type` is reserved for the ledger at `protocol` (interpreted, or a reserved prefix). */
export function isReserved (type: string, protocol: number): boolean {
  if (handlerOf(type, protocol) !== null) return true
  const since = reservedSince(type)
  return since !== null && since <= protocol
}

/** The lowest protocol under which `type` means what this version means by it. */
export function protocolOf (type: string): number {
  const handler = handlers.get(type)
  if (handler !== undefined) return handler.since
  return reservedSince(type) ?? 1
}
