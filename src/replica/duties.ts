/**
 * The ops a device appends on its own, never asked: `member.swarm` (a member added by key states
 * its swarm key, so peers can refuse its connections once it is removed), `rule.execute` (an
 * indexer that sees a waiting rule's trigger final runs it) and `fork.evidence` (a member's log
 * found forked is reported, so apply quarantines the device on every peer).
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { memberRecord } from '../apply/membership.js'
import { decodeKey, type DeviceKey } from '../keys.js'
import type { ForkEvidence } from '../proofs/fork-evidence.js'
import type { Entry } from '../protocol/entry.js'
import { parseId, type EntryAddress } from '../protocol/entry-id.js'
import type { EntryInput } from '../protocol/ops.js'
import { stateKeys } from '../protocol/state-layout.js'
import { pendingRules } from '../view/reads.js'

/** What the duties need from the replica; read at each call. */
export interface DutyHost {
  base (): Autobase<Hyperbee> | null
  writable (): boolean
  closing (): boolean
  /** This device's swarm key, when it is networked. */
  swarmKey (): Buffer | null
  commit (base: Autobase<Hyperbee>, input: EntryInput): Promise<Entry>
  read (base: Autobase<Hyperbee>, addr: EntryAddress): Promise<Entry | null>
  /** This device's own log was found forked: it must never write again. */
  selfForked (): void
  /** A `fork` event for the ledger's listeners. */
  fork (report: { key: DeviceKey, self: boolean, evidence: ForkEvidence }): void
  warn (err: unknown): void
}

/** Internal: the duties of one open replica. */
export class DeviceDuties {
  private readonly host: DutyHost
  private executing: Promise<void> | null = null
  private readonly executed = new Set<string>()
  private announcing = false

  constructor (host: DutyHost) {
    this.host = host
  }

  /** Resolves once a running `rule.execute` pass is over. */
  async idle (): Promise<void> {
    await this.executing
  }

  /**
   * A networked member whose record lacks its swarm key (added by key, not by invite) states it
   * with `member.swarm`, so that once removed, peers refuse its connections.
   */
  announceSwarmKey (): void {
    this.announce().catch((err: unknown) => this.host.warn(err))
  }

  /** The view moved: an indexer looks for rules whose trigger became final (one pass at a time). */
  updated (isIndexer: boolean): void {
    if (isIndexer && this.executing === null) {
      this.executing = this.executePending().catch((err: unknown) => { this.host.warn(err) }).finally(() => { this.executing = null })
    }
  }

  /** Hypercore found a member's log forked; `capture` resolves with the evidence. */
  forkDetected (capture: Promise<ForkEvidence | null>): void {
    this.reportFork(capture).catch((err: unknown) => { this.host.warn(err) })
  }

  private async announce (): Promise<void> {
    const base = this.host.base()
    const key = this.host.swarmKey()
    if (base === null || key === null || !this.host.writable() || this.announcing) return
    this.announcing = true
    try {
      const record = await memberRecord(base.view, base.local.key)
      if (record === null || record.removedAt !== undefined || record.swarmKey === key.toString('hex')) return
      if (!base.closed) await this.host.commit(base, { type: 'member.swarm', data: { swarmKey: key.toString('hex') } })
    } finally {
      this.announcing = false
    }
  }

  /**
   * Rules marked `on: 'confirmed'` wait in the view until their trigger is final; an indexer
   * that sees it final appends `rule.execute`, and apply runs the actions.
   */
  private async executePending (): Promise<void> {
    const base = this.host.base()
    if (base === null || this.host.closing() || !this.host.writable()) return
    for await (const { rule, trigger } of pendingRules(base.view)) {
      const key = `${rule}/${trigger}`
      if (this.executed.has(key) || (await this.host.read(base, parseId(trigger)))?.status !== 'confirmed') continue
      this.executed.add(key)
      await this.host.commit(base, { type: 'rule.execute', data: { rule, trigger } })
    }
  }

  /**
   * Report a forked log on the ledger, where apply checks it and quarantines the device; if the
   * log is this device's own, this copy of the device can never write again.
   */
  private async reportFork (capture: Promise<ForkEvidence | null>): Promise<void> {
    const evidence = await capture
    const base = this.host.base()
    if (evidence === null || base === null) return
    const key = decodeKey(evidence.key)
    const self = key.equals(base.local.key)
    if (self) this.host.selfForked()
    this.host.fork({ key: evidence.key as DeviceKey, self, evidence })
    if (self || this.host.closing() || !this.host.writable()) return
    if ((await base.view.get(stateKeys.fork(key))) !== null) return
    await this.host.commit(base, { type: 'fork.evidence', data: evidence })
  }
}
