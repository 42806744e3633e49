/**
 * Invites. An indexer records an invite (its id and public key, never its secret seed) with
 * `invite.create`; an online indexer that pairs a new device through blind-pairing records its
 * admission with `invite.use`, which apply checks (known, not revoked, not expired at the op's
 * time, uses left) before it adds the device with the invited role (readers get the keys and no
 * writer slot). `invite.revoke` ends an invite early.
 */
import type Hyperbee from 'hyperbee'
import { encodeKey } from '../keys.js'
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import { getJson, isHex32, isKey, isObject, keyOf, onlyFields, putJson, type OpContext, type OpHandler } from './context.js'
import { memberRecord, membershipOps, roleOf } from './membership.js'
import { memberKey } from '../protocol/view-layout.js'
import { stateKeys } from '../protocol/state-layout.js'

/** What an invite admits a device as. */
export type InviteRole = 'writer' | 'indexer' | 'reader'

/** An invite as the view stores it. */
export interface InviteRecord {
  /** Hex of blind-pairing's invite public key: opens the candidate's request. */
  publicKey: string
  role: InviteRole
  /** ms since the epoch; 0 = never. */
  expires: number
  uses: number
  used: number
  createdBy: string
  createdAt: string
  revokedBy?: string
  admitted?: string[]
}


/** An invite's record by its id (hex), or null. */
export async function inviteRecord (bee: Pick<Hyperbee.Batch, 'get'>, id: string): Promise<InviteRecord | null> {
  return getJson<InviteRecord>(bee, stateKeys.invite(Buffer.from(id, 'hex')))
}

/** Why an invite cannot admit anyone at time `ts`, or null if it can. */
export function inviteProblem (invite: InviteRecord | null, ts: number): Refusal | null {
  if (invite === null) return refuse('INVITE_UNKNOWN', 'no such invite on this ledger')
  if (invite.revokedBy !== undefined) return refuse('INVITE_REVOKED', 'the invite was revoked')
  if (invite.expires !== 0 && ts >= invite.expires) return refuse('INVITE_EXPIRED', 'the invite expired')
  if (invite.used >= invite.uses) return refuse('INVITE_USED', 'the invite was used up')
  return null
}

async function requireIndexer (ctx: OpContext): Promise<Refusal | null> {
  return (await roleOf(ctx.batch, ctx.writer, ctx.genesis)) === 'indexer' ? null : refuse('NOT_AUTHORISED', 'only indexers manage invites')
}

const create: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'invite.create data is { id, publicKey, role, expires, uses }')
    return onlyFields(data, ['id', 'publicKey', 'role', 'expires', 'uses'], 'invite.create') ??
      (isHex32(data.id) ? null : refuse('INVALID_ENTRY', 'id is 32 bytes of hex')) ??
      (isHex32(data.publicKey) ? null : refuse('INVALID_ENTRY', 'publicKey is 32 bytes of hex')) ??
      (['writer', 'indexer', 'reader'].includes(data.role as string) ? null : refuse('INVALID_ENTRY', 'role is writer, indexer or reader')) ??
      (Number.isSafeInteger(data.expires) && (data.expires as number) >= 0 ? null : refuse('INVALID_ENTRY', 'expires is a time in ms (0: never)')) ??
      (Number.isSafeInteger(data.uses) && (data.uses as number) >= 1 ? null : refuse('INVALID_ENTRY', 'uses is a positive integer'))
  },
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const d = data as { id: string, publicKey: string, role: InviteRole, expires: number, uses: number }
    if ((await inviteRecord(ctx.batch, d.id)) !== null) return refuse('INVALID_ENTRY', 'an invite with this id exists')
    const record: InviteRecord = { publicKey: d.publicKey, role: d.role, expires: d.expires, uses: d.uses, used: 0, createdBy: encodeKey(ctx.writer), createdAt: ctx.id }
    await putJson(ctx.batch, stateKeys.invite(Buffer.from(d.id, 'hex')), record)
    return null
  }
}

const use: OpHandler = {
  check (data) {
    if (!isObject(data)) return refuse('INVALID_ENTRY', 'invite.use data is { id, key }')
    return onlyFields(data, ['id', 'key', 'swarmKey'], 'invite.use') ??
      (isHex32(data.id) ? null : refuse('INVALID_ENTRY', 'id is 32 bytes of hex')) ??
      (isKey(data.key) ? null : refuse('INVALID_ENTRY', 'key is the new device key')) ??
      (data.swarmKey === undefined || isHex32(data.swarmKey) ? null : refuse('INVALID_ENTRY', 'swarmKey is 32 bytes of hex'))
  },
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const d = data as { id: string, key: string, swarmKey?: string }
    const invite = await inviteRecord(ctx.batch, d.id)
    const problem = inviteProblem(invite, ctx.ts)
    if (problem !== null || invite === null) return problem
    if (invite.role !== 'reader') {
      const added = await membershipOps['member.add'].apply(ctx, { key: d.key, role: invite.role })
      if (added !== null) return added
      // The device's swarm key, so peers can turn it away if it is ever removed.
      if (d.swarmKey !== undefined) {
        const record = await memberRecord(ctx.batch, keyOf(d.key))
        if (record !== null) await putJson(ctx.batch, memberKey(keyOf(d.key)), { ...record, swarmKey: d.swarmKey })
      }
    }
    const admitted = [...(invite.admitted ?? []), encodeKey(keyOf(d.key))]
    await putJson(ctx.batch, stateKeys.invite(Buffer.from(d.id, 'hex')), { ...invite, used: invite.used + 1, admitted })
    return null
  }
}

const revoke: OpHandler = {
  check: (data) => isObject(data) ? onlyFields(data, ['id'], 'invite.revoke') ?? (isHex32(data.id) ? null : refuse('INVALID_ENTRY', 'id is 32 bytes of hex')) : refuse('INVALID_ENTRY', 'invite.revoke data is { id }'),
  async apply (ctx, data) {
    const denied = await requireIndexer(ctx)
    if (denied !== null) return denied
    const id = (data as { id: string }).id
    const invite = await inviteRecord(ctx.batch, id)
    if (invite === null) return refuse('INVITE_UNKNOWN', 'no such invite on this ledger')
    await putJson(ctx.batch, stateKeys.invite(Buffer.from(id, 'hex')), { ...invite, revokedBy: encodeKey(ctx.writer) })
    return null
  }
}

/** The invite handlers, by op type. */
export const inviteOps: Record<string, OpHandler> = {
  'invite.create': create,
  'invite.use': use,
  'invite.revoke': revoke
}
