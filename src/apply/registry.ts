/**
 * Every interpreted op type's handler. Which types exist, and since which protocol, is the
 * protocol's (protocol/op-types.ts); this maps each to the code that checks and applies it.
 */
import { OP_TYPES, isInterpreted } from '../protocol/op-types.js'
import { accountOps } from './accounts.js'
import { assetOps } from './assets.js'
import type { OpHandler } from './context.js'
import { forkOps } from './forks.js'
import { inviteOps } from './invites.js'
import { membershipOps } from './membership.js'
import { policyOps } from './policy.js'
import { protocolOps } from './protocol-activation.js'
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

// The vocabulary and the handlers must name the same ops: a mismatch is a programmer error.
for (const type of Object.keys(OP_TYPES)) {
  if (!handlers.has(type)) throw new Error(`no handler for op ${type}`)
}
for (const type of handlers.keys()) {
  if (!Object.hasOwn(OP_TYPES, type)) throw new Error(`op ${type} is missing from protocol/op-types.ts`)
}

/** The handler of `type` in a block of `protocol`, or null for a plain entry. */
export function handlerOf (type: string, protocol: number): OpHandler | null {
  return isInterpreted(type, protocol) ? handlers.get(type) ?? null : null
}
