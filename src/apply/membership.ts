/**
 * Membership ops: `member.add` / `member.remove` (roles that Autobase knows: indexer, writer) and
 * `member.grant` / `member.revoke` (capabilities only the ledger knows: issuer, inspector, ...).
 * Only indexers may use them.
 */
import type Hyperbee from 'hyperbee'
import { encodeKey } from '../keys.js'
import { refuse, type Refusal, type Role } from '../protocol/vocabulary.js'
import { getJson, isHex32, isKey, isName, isObject, keyOf, onlyFields, putJson, type OpContext, type OpHandler } from './context.js'
import { memberKey, memberRange } from '../protocol/view-layout.js'
import { policyOf, vote } from './quorum.js'

/** A member record as stored in the view. */
export interface MemberRecord {
  role: Role
  addedBy: string
  addedAt: string
  removedBy?: string
  removedAt?: string
  /** Capabilities granted on top of the role, e.g. `inspector`. */
  capabilities?: string[]
  /** The device's swarm (Noise) key, from `invite.use` or `member.swarm`: removed devices are refused by it. */
  swarmKey?: string
  /**
   * Set while the device is quarantined: its new blocks are held, not applied. `by` is the
   * indexer that decided, or `'policy'` for the ledger's auto-quarantine, whose `evidence` lists
   * the refused blocks (entry ids, offset 0); `votes` lists the indexers of a majority quorum.
   */
  quarantined?: { by: string, at: string, reason?: string, evidence?: string[], votes?: string[] }
  /** The indexers whose votes removed the device, under a majority quorum. */
  removedByVotes?: string[]
  /** Id of the `fork.evidence` entry proving the device signed two histories: it stays quarantined. */
  forkedAt?: string
}

/** The member record of `key`, or null. */
export async function memberRecord (bee: Pick<Hyperbee.Batch, 'get'>, key: Buffer): Promise<MemberRecord | null> {
  return getJson<MemberRecord>(bee, memberKey(key))
}

/** The active role of `key` at this point of the view, or null when it is not a member. */
export async function roleOf (bee: Pick<Hyperbee.Batch, 'get'>, key: Buffer, genesis: Buffer): Promise<Role | null> {
  const record = await memberRecord(bee, key)
  if (record === null) return key.equals(genesis) ? 'indexer' : null
  return record.removedAt === undefined ? record.role : null
}

/** Whether `key` is an active member holding `capability` (indexers hold none implicitly). */
export async function hasCapability (bee: Pick<Hyperbee.Batch, 'get'>, key: Buffer, capability: string): Promise<boolean> {
  const record = await memberRecord(bee, key)
  return record !== null && record.removedAt === undefined && (record.capabilities ?? []).includes(capability)
}

function checkMember (data: unknown, what: string, extra: string[]): Refusal | null {
  if (!isObject(data)) return refuse('INVALID_ENTRY', `${what} data is an object`)
  const fields = onlyFields(data, ['key', ...extra], what)
  if (fields !== null) return fields
  if (!isKey(data.key)) return refuse('INVALID_ENTRY', `${what} needs a device key (z32 or hex)`)
  return null
}

async function requireIndexer (ctx: OpContext): Promise<Refusal | null> {
  const role = await roleOf(ctx.batch, ctx.writer, ctx.genesis)
  return role === 'indexer' ? null : refuse('NOT_AUTHORISED', 'only indexers may change membership')
}

const add: OpHandler = {
  check (data) {
    const shape = checkMember(data, 'member.add', ['role'])
    if (shape !== null) return shape
    const { role } = data as { role?: unknown }
    return role === 'indexer' || role === 'writer' ? null : refuse('INVALID_ENTRY', 'role is indexer or writer')
  },
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const { key: k, role } = data as { key: string, role: Role }
    const key = keyOf(k)
    const current = await memberRecord(ctx.batch, key)
    const active = current !== null && current.removedAt === undefined
    if (active && current.role === role) return null
    if (active && current.role === 'indexer' && !(await removeable(ctx, key))) {
      return refuse('LAST_INDEXER', 'the last indexer cannot become a writer')
    }
    if (ctx.live) await ctx.host.addWriter(key, { indexer: role === 'indexer' })
    const record: MemberRecord = { role, addedBy: encodeKey(ctx.writer), addedAt: ctx.id }
    if (active && current.capabilities !== undefined) record.capabilities = current.capabilities
    await putJson(ctx.batch, memberKey(key), record)
    return null
  }
}

const remove: OpHandler = {
  check: (data) => checkMember(data, 'member.remove', []),
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const key = keyOf((data as { key: string }).key)
    const current = await memberRecord(ctx.batch, key)
    if (current === null || current.removedAt !== undefined) return refuse('UNKNOWN_MEMBER', 'the device is not a member')
    if (!(await removeable(ctx, key))) return refuse('LAST_INDEXER', 'the last indexer cannot be removed')
    let votes: string[] | null = null
    if ((await policyOf(ctx.batch, ctx.cache)).quorum.remove === 'majority') {
      votes = await vote(ctx, 'remove', key, null)
      if (votes === null) return null // a vote, recorded; the removal waits for a majority
    }
    if (ctx.live) await ctx.host.removeWriter(key)
    const record: MemberRecord = { ...current, removedBy: encodeKey(ctx.writer), removedAt: ctx.id }
    if (votes !== null) record.removedByVotes = votes
    await putJson(ctx.batch, memberKey(key), record)
    return null
  }
}

/** Autobase decides in apply; a local check counts the view's active indexers instead. */
async function removeable (ctx: OpContext, key: Buffer): Promise<boolean> {
  if (ctx.live) return ctx.host.removeable(key)
  if ((await roleOf(ctx.batch, key, ctx.genesis)) !== 'indexer') return true
  let indexers = 0
  for await (const node of ctx.batch.createReadStream(memberRange())) {
    const record = JSON.parse(node.value.toString()) as MemberRecord
    if (record.removedAt === undefined && record.role === 'indexer') indexers++
  }
  return indexers > 1
}

function capabilityOp (grant: boolean): OpHandler {
  const what = grant ? 'member.grant' : 'member.revoke'
  return {
    check (data) {
      const shape = checkMember(data, what, ['capability'])
      if (shape !== null) return shape
      return isName((data as { capability?: unknown }).capability) ? null : refuse('INVALID_ENTRY', `${what} needs a capability name`)
    },
    async apply (ctx, data) {
      const denied = await requireIndexer(ctx)
      if (denied !== null) return denied
      const { key: k, capability } = data as { key: string, capability: string }
      const key = keyOf(k)
      const current = await memberRecord(ctx.batch, key)
      if (current === null || current.removedAt !== undefined) return refuse('UNKNOWN_MEMBER', 'the device is not a member')
      const set = new Set(current.capabilities ?? [])
      if (grant) set.add(capability)
      else set.delete(capability)
      await putJson(ctx.batch, memberKey(key), { ...current, capabilities: [...set].sort() })
      return null
    }
  }
}

/** `current`, quarantined by `by` at entry `at`: its blocks from there on are held, not applied. */
export function quarantined (current: MemberRecord, by: Buffer, at: string, reason: string | undefined): MemberRecord {
  return { ...current, quarantined: { by: encodeKey(by), at, reason } }
}

function quarantineOp (hold: boolean): OpHandler {
  const what = hold ? 'member.quarantine' : 'member.release'
  return {
    check (data) {
      const shape = checkMember(data, what, hold ? ['reason'] : [])
      if (shape !== null) return shape
      const { reason } = data as { reason?: unknown }
      return reason === undefined || (typeof reason === 'string' && reason.length <= 256) ? null : refuse('INVALID_ENTRY', 'reason is at most 256 characters')
    },
    async apply (ctx, data) {
      const denied = await requireIndexer(ctx)
      if (denied !== null) return denied
      const { key: k, reason } = data as { key: string, reason?: string }
      const key = keyOf(k)
      const current = await memberRecord(ctx.batch, key)
      if (current === null || current.removedAt !== undefined) return refuse('UNKNOWN_MEMBER', 'the device is not a member')
      if (hold === (current.quarantined !== undefined)) return refuse('INVALID_ENTRY', hold ? 'the device is already quarantined' : 'the device is not quarantined')
      // Each peer holds whichever of a forked log's histories reached it first: applying them
      // would make views differ. Removal is the way out (the copy joins as a new device).
      if (!hold && current.forkedAt !== undefined) return refuse('FORKED', 'the device signed two histories of its log: remove it instead')
      let votes: string[] | null = null
      if ((await policyOf(ctx.batch, ctx.cache)).quorum[hold ? 'quarantine' : 'release'] === 'majority') {
        votes = await vote(ctx, hold ? 'quarantine' : 'release', key, reason ?? null)
        if (votes === null) return null // a vote, recorded; nothing changes until a majority agrees
      }
      const record: MemberRecord = hold ? quarantined(current, ctx.writer, ctx.id, reason) : { ...current }
      if (!hold) delete record.quarantined
      if (hold && votes !== null && record.quarantined !== undefined) record.quarantined.votes = votes
      await putJson(ctx.batch, memberKey(key), record)
      return null
    }
  }
}

/**
 * `member.swarm`: a member states its own swarm (Noise) key, so that once it is removed peers
 * refuse its connections. Devices that join by invite state it in `invite.use`; devices added by
 * key state it themselves on becoming writable.
 */
const swarmKeyOp: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'member.swarm data is an object')
    return onlyFields(data, ['swarmKey'], 'member.swarm') ?? (isHex32(data.swarmKey) ? null : refuse('INVALID_ENTRY', 'swarmKey is 32 bytes of hex'))
  },
  async apply (ctx, data) {
    const current = await memberRecord(ctx.batch, ctx.writer)
    if (current === null || current.removedAt !== undefined) return refuse('NOT_A_MEMBER', 'only members state a swarm key')
    const { swarmKey } = data as { swarmKey: string }
    if (current.swarmKey !== swarmKey) await putJson(ctx.batch, memberKey(ctx.writer), { ...current, swarmKey })
    return null
  }
}

/** The membership handlers, by op type. */
export const membershipOps: Record<string, OpHandler> = {
  'member.add': add,
  'member.remove': remove,
  'member.grant': capabilityOp(true),
  'member.revoke': capabilityOp(false),
  'member.quarantine': quarantineOp(true),
  'member.release': quarantineOp(false),
  'member.swarm': swarmKeyOp
}
