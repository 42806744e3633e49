/**
 * `Ledger`: the public class. The core (replica/ledger-core.ts) holds entries, membership, finality and
 * sync; this layer adds what the ledger means: money, assets, telemetry and rules. Every write
 * here appends an op; every read is a point or range read of the view.
 */
import type { Entry } from './protocol/entry.js'
import BlindPairing from 'blind-pairing'
import z32 from 'z32'
import { MeshledgerError } from './errors.js'
import { decodeKey, encodeKey, normalizeKey, type DeviceKey, type KeyInput } from './keys.js'
import { LedgerCore } from './replica/ledger-core.js'
import type { QueryOptions } from './view/query.js'
import * as reads from './view/reads.js'
import type { Transfer } from './apply/accounts.js'
import type { Asset } from './apply/assets.js'
import type { Alert, Effect } from './apply/rule-engine.js'
import type { InviteRole } from './apply/invites.js'
import type { Rule } from './apply/rules.js'
import { DEFAULT_POLICY, policyRecord, VOTE_ACTIONS, type AutoQuarantine, type LedgerPolicy, type Quorum, type VoteAction } from './apply/quorum.js'
import { ranges } from './protocol/state-layout.js'

/** An open vote under a majority quorum: what for, on what, and who voted so far. */
export interface Vote {
  action: VoteAction
  /** The device key voted on; for `policy`, the hex digest of the proposed policy. */
  target: string
  voters: DeviceKey[]
}

/**
 * A device's replica of a ledger.
 *
 * ```ts
 * const ledger = new Ledger({ storage: './data' })
 * await ledger.ready()
 * const entry = await ledger.append({ type: 'note', data: { text: 'hello' } })
 * ```
 */
export class Ledger extends LedgerCore {
  /** Create money (indexers and members holding `issuer` only). */
  async mint (to: KeyInput | string, amount: number, { memo }: { memo?: string } = {}): Promise<Entry> {
    return this.append({ type: 'mint', data: { to: reads.account(to), amount, memo } })
  }

  /**
   * Pay from this device's account, or from a shared account it holds (`from`). A `ref` makes
   * the payment idempotent: the same ref from the same account pays once.
   */
  async transfer (t: { from?: KeyInput | string, to: KeyInput | string, amount: number, memo?: string, ref?: string }): Promise<Entry> {
    const data = { ...t, to: reads.account(t.to), from: t.from === undefined ? undefined : reads.account(t.from) }
    return this.append({ type: 'transfer', data })
  }

  /** Record a telemetry reading on `stream`, optionally about an asset. Group-committed like any append. */
  async record (stream: string, value: unknown, { asset }: { asset?: string } = {}): Promise<Entry> {
    return this.append({ type: 'telemetry.record', data: { stream, value, asset } })
  }

  /** Add a rule (indexers only); see the README for its shape. */
  async addRule (rule: Omit<Rule, 'addedBy' | 'addedAt' | 'on'> & { on?: Rule['on'] }): Promise<Entry> {
    return this.append({ type: 'rule.add', data: rule })
  }

  /** Remove rule `id` (indexers only): it acts on no entry applied after the removal. */
  async removeRule (id: string): Promise<Entry> {
    return this.append({ type: 'rule.remove', data: { id } })
  }

  /**
   * Register an asset (a vehicle, a product, a shipment) owned by this device. `id` is 1-128
   * characters (letters, digits, `_ . : @ / -`), `kind` a name; rejected with `ASSET_EXISTS` when
   * the id is taken.
   */
  async registerAsset (id: string, kind: string, { attributes }: { attributes?: Record<string, unknown> } = {}): Promise<Entry> {
    return this.append({ type: 'asset.register', data: { id, kind, attributes } })
  }

  /** Hand an asset this device owns to another member (`NOT_OWNER` otherwise). */
  async transferAsset (id: string, to: KeyInput): Promise<Entry> {
    return this.append({ type: 'asset.transfer', data: { id, to: normalizeKey(to, 'new owner') } })
  }

  /**
   * Record an event on an asset: `kind` is maintenance, inspection, damage, reading or any name;
   * when the ledger's policy names a capability for `kind`, only its holders may.
   */
  async assetEvent (id: string, kind: string, { data }: { data?: unknown } = {}): Promise<Entry> {
    return this.append({ type: 'asset.event', data: { id, kind, data } })
  }

  /** Balance of an account: a device key, or a shared-account name. */
  async balance (account: KeyInput | string): Promise<number> {
    return reads.balance(this.view$(), account)
  }

  /** Total money minted. */
  async supply (): Promise<number> {
    return reads.supply(this.view$())
  }

  /** Transfers and mints by time, for one account or all. */
  transfers (q: reads.TransferQuery = {}): AsyncGenerator<Transfer> {
    return reads.transfers(this.view$(), q)
  }

  /** An asset's current state, or null. */
  async asset (id: string): Promise<Asset | null> {
    return reads.asset(this.view$(), id)
  }

  /** An asset's whole provenance chain: each step with its entry id, writer, time and status. */
  async assetHistory (id: string): Promise<reads.AssetHistoryStep[]> {
    return reads.assetHistory(this.view$(), id)
  }

  /** Assets by owner, kind or status. */
  assets (q: reads.AssetQuery = {}): AsyncGenerator<Asset> {
    return reads.assets(this.view$(), q)
  }

  /** Telemetry readings of one stream, by time: a range read of the stream index. */
  readings (q: Omit<QueryOptions, 'stream' | 'type'> & { stream: string }): AsyncGenerator<Entry> {
    if (typeof q?.stream !== 'string') throw MeshledgerError.invalidOption('readings needs a stream')
    return this.query({ ...q, type: 'telemetry.record' })
  }

  /** The rules in force. */
  rules (): AsyncGenerator<Rule> {
    return reads.rules(this.view$())
  }

  /** Alerts raised by rules, by time. */
  alerts (q: { since?: number, until?: number, limit?: number, reverse?: boolean } = {}): AsyncGenerator<Alert> {
    return reads.alerts(this.view$(), q)
  }

  /** What rules did because of entry `id`: each action, and whether it worked. */
  async effects (id: string): Promise<Effect[]> {
    return reads.effects(this.view$(), id)
  }

  /**
   * Invite a device: returns a short code to hand over (paste, QR) and the invite's id. The
   * ledger records the invite (not its secret); any online indexer admits the device that uses it
   * with `join(code, ...)`, as `role` (`writer`, `indexer`, or `reader`: keys, no writer slot).
   * Single-use and valid for an hour unless told otherwise; `revokeInvite(id)` ends it early.
   */
  async invite ({ role = 'writer', expires = 60 * 60 * 1000, uses = 1 }: { role?: InviteRole, expires?: number, uses?: number } = {}): Promise<{ code: string, id: string, expires: number, role: InviteRole }> {
    if (!(Number.isSafeInteger(expires) && expires > 0)) throw MeshledgerError.invalidOption('expires is a duration in ms')
    const until = Date.now() + expires
    const { id, invite, publicKey } = BlindPairing.createInvite(Buffer.from(decodeKey(this.key)), { expires: until })
    await this.append({ type: 'invite.create', data: { id: id.toString('hex'), publicKey: publicKey.toString('hex'), role, expires: until, uses } })
    return { code: z32.encode(invite), id: id.toString('hex'), expires: until, role }
  }

  /** End an invite before it expires or is used up. */
  async revokeInvite (id: string): Promise<Entry> {
    return this.append({ type: 'invite.revoke', data: { id } })
  }

  /** Invites on the ledger, with their uses and who they admitted. */
  invites (): AsyncGenerator<reads.InviteInfo> {
    return reads.invites(this.view$())
  }

  /**
   * Quarantine a member (indexers only): its new entries are held out of the view, kept for
   * review, neither applied nor lost, until `release` (which applies them, in its log order) or
   * removal (which keeps them held for good).
   */
  async quarantine (key: KeyInput, { reason }: { reason?: string } = {}): Promise<Entry> {
    return this.append({ type: 'member.quarantine', data: { key: normalizeKey(key, 'member key'), reason } })
  }

  /**
   * Forks recorded on the ledger: devices proven to have signed two histories of their log (a
   * data folder cloned or restored, both copies writing), with the evidence to check offline.
   * Each such device is quarantined, and cannot be released: remove it.
   */
  forks (): AsyncGenerator<reads.Fork> {
    return reads.forks(this.view$())
  }

  /** Release a quarantined member: its held entries are applied now, in its log order. */
  async release (key: KeyInput): Promise<Entry> {
    return this.append({ type: 'member.release', data: { key: normalizeKey(key, 'member key') } })
  }

  /**
   * Set the ledger's policy (indexers; protocol 5 must be active): automatic quarantine and
   * majority quorums, decided in apply on every peer. Replaces the whole policy; absent fields
   * take their defaults. While any quorum is `majority`, this is a vote too.
   */
  async setPolicy (policy: { autoQuarantine?: AutoQuarantine | null, quorum?: Partial<Record<'quarantine' | 'release' | 'remove', Quorum>> }): Promise<Entry> {
    return this.append({ type: 'ledger.policy', data: policy })
  }

  /** The ledger's policy in force (the defaults when none was set), with who set it and where. */
  async policy (): Promise<LedgerPolicy & { by?: DeviceKey, at?: string }> {
    const record = await policyRecord(this.view$())
    return record === null ? structuredClone(DEFAULT_POLICY) : record as LedgerPolicy & { by: DeviceKey, at: string }
  }

  /** Votes still open under a majority quorum. */
  async votes (): Promise<Vote[]> {
    const names = Object.fromEntries(Object.entries(VOTE_ACTIONS).map(([k, v]) => [v, k])) as Record<number, VoteAction>
    const open = new Map<string, Vote>()
    for await (const node of this.view$().createReadStream(ranges.allVotes())) {
      const action = names[node.key[1]]
      const target = node.key.subarray(2, 34)
      const id = `${action}:${target.toString('hex')}`
      const vote = open.get(id) ?? { action, target: action === 'policy' ? target.toString('hex') : encodeKey(target), voters: [] }
      vote.voters.push(encodeKey<DeviceKey>(node.key.subarray(34)))
      open.set(id, vote)
    }
    return [...open.values()]
  }
}
