/**
 * The op vocabulary: every op type the ledger interprets, and the protocol version that
 * introduced it. Any other type is a plain entry (a note, a custom record): stored and indexed,
 * not interpreted. What each op does is apply's (apply/registry.ts maps each type to its handler);
 * which protocol a type belongs to is what peers agree on, so it lives here.
 *
 * A type means what it meant in the protocol its block was written under: `transfer` in a
 * protocol-1 block is a plain entry, because protocol 1 did not know transfers. Blocks are
 * stamped with the lowest protocol that defines all their ops (see ops.ts).
 */

/** Each interpreted op type and the protocol that introduced it. */
export const OP_TYPES: Readonly<Record<string, number>> = Object.freeze({
  'member.add': 1,
  'member.remove': 1,
  'member.grant': 2,
  'member.revoke': 2,
  'member.quarantine': 2,
  'member.release': 2,
  'member.swarm': 3,
  mint: 2,
  transfer: 2,
  'account.open': 2,
  'account.holders': 2,
  'account.authorise': 2,
  'account.revoke': 2,
  'asset.register': 2,
  'asset.transfer': 2,
  'asset.event': 2,
  'asset.policy': 2,
  'telemetry.record': 2,
  'rule.add': 2,
  'rule.remove': 2,
  'rule.execute': 2,
  'invite.create': 2,
  'invite.use': 2,
  'invite.revoke': 2,
  'fork.evidence': 3,
  'ledger.protocol': 4,
  'ledger.policy': 5
})

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

/** The protocol that introduced op `type`, or null when no protocol interprets it. */
export function opSince (type: string): number | null {
  return Object.hasOwn(OP_TYPES, type) ? OP_TYPES[type] as number : null
}

/** True when `type` is interpreted by the ledger in a block of `protocol`. */
export function isInterpreted (type: string, protocol: number): boolean {
  const since = opSince(type)
  return since !== null && since <= protocol
}

/** True when `type` is reserved for the ledger at `protocol` (interpreted, or a reserved prefix). */
export function isReserved (type: string, protocol: number): boolean {
  if (isInterpreted(type, protocol)) return true
  const since = reservedSince(type)
  return since !== null && since <= protocol
}

/** The lowest protocol under which `type` means what this version means by it. */
export function protocolOf (type: string): number {
  return opSince(type) ?? reservedSince(type) ?? 1
}
