/**
 * Sync progress per member log: how much of each writer's log this device holds, and how much
 * connected peers say exists. Sessions on member cores are opened (and fully downloaded, once the
 * view is local) as members appear in the view, and listen for forks: Hypercore's `conflict`, a
 * peer proving that the writer signed another history than the one held here.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import safetyCatch from 'safety-catch'
import { captureFork, type ForkEvidence } from '../proofs/fork-evidence.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import { withholdIfMarked } from './withheld-logs.js'
import type { MemberRecord } from '../apply/membership.js'
import { memberRange } from '../protocol/view-layout.js'

/** Sync progress of one writer's log. */
export interface WriterProgress {
  key: DeviceKey
  /** Blocks of this log held locally. */
  length: number
  /** Longest length any connected peer reports. */
  remoteLength: number
  /** Blocks known to exist that are not here yet. */
  lag: number
}

/** Internal: tracks member cores for one ledger. */
export class WriterTracker {
  private readonly store: Corestore
  private readonly view: Hyperbee
  private readonly self: Buffer
  private readonly ondenied: () => void
  private readonly onfork: (evidence: Promise<ForkEvidence | null>) => void
  private readonly viewLocal: () => Promise<void>
  private readonly cores = new Map<string, Hypercore>()
  private refreshing: Promise<void> | null = null
  /** Swarm keys (hex) of removed members, as of the last refresh. */
  denied = new Set<string>()
  /** Whether this device is quarantined, as of the last refresh. */
  quarantined = false
  /** Whether this device's log is proven forked, as of the last refresh. */
  forked = false
  private again = false
  private closed = false

  /**
   * `self` is this device's key (its own quarantine is read from the same scan); `ondenied`
   * hears of every change in the set of removed members' swarm keys; `onfork` of every fork
   * Hypercore detects on a member's log, this device's own included. `viewLocal` resolves once
   * every signed view block is stored here (see view-prefetch.ts): member logs are fetched after.
   */
  constructor (store: Corestore, view: Hyperbee, self: Buffer, ondenied: () => void, onfork: (evidence: Promise<ForkEvidence | null>) => void, viewLocal: () => Promise<void>) {
    this.store = store
    this.view = view
    this.self = self
    this.ondenied = ondenied
    this.onfork = onfork
    this.viewLocal = viewLocal
  }

  /** The local session on a member's log, if it is a known member. */
  core (key: Buffer): Hypercore | null {
    return this.cores.get(key.toString('hex')) ?? null
  }

  /** Progress of every member log, current as of the last refresh. */
  progress (): WriterProgress[] {
    const out: WriterProgress[] = []
    for (const core of this.cores.values()) {
      if (!core.opened || core.closed) continue
      const length = core.length
      let remoteLength = length
      for (const peer of core.peers) remoteLength = Math.max(remoteLength, peer.remoteLength)
      out.push({ key: encodeKey<DeviceKey>(core.key), length, remoteLength, lag: remoteLength - length })
    }
    return out
  }

  /** Pick up members added since the last call (coalesced). */
  refresh (): Promise<void> {
    if (this.refreshing !== null) {
      this.again = true
      return this.refreshing
    }
    this.refreshing = this.scan().catch(safetyCatch).finally(() => {
      this.refreshing = null
      if (this.again && !this.closed) {
        this.again = false
        this.refresh().catch(safetyCatch)
      }
    })
    return this.refreshing
  }

  /** Close the sessions this tracker opened. */
  async close (): Promise<void> {
    this.closed = true
    while (this.refreshing !== null) await this.refreshing
    await Promise.all([...this.cores.values()].map((c) => c.close()))
    this.cores.clear()
  }

  /**
   * A ledger device keeps every member's whole log (audits and proofs need them), and a live
   * download also re-requests blocks whose request died with a dropped connection. The view comes
   * first: it is what answers queries, and a fast-forwarded device that fetched both at once spent
   * a fifth of its sync on the logs (the same peer serves both), which nothing reads until later.
   */
  private fetchLog (core: Hypercore): void {
    this.viewLocal().then(() => {
      if (!this.closed && !core.closed) core.download({ start: 0, end: -1 })
    }, safetyCatch)
  }

  private async scan (): Promise<void> {
    const denied = new Set<string>()
    let quarantined = false
    let forked = false
    for await (const node of this.view.createReadStream(memberRange())) {
      if (this.closed) return
      const record = JSON.parse(node.value.toString()) as MemberRecord
      if (record.removedAt !== undefined && record.swarmKey !== undefined) denied.add(record.swarmKey)
      const key = node.key.subarray(1)
      if (key.equals(this.self)) {
        quarantined = record.quarantined !== undefined && record.removedAt === undefined
        forked = record.forkedAt !== undefined
      }
      const id = key.toString('hex')
      if (this.cores.has(id)) continue
      const core = this.store.get({ key }) // active: replicated with every peer, whatever autobase is doing
      this.cores.set(id, core)
      // Evidence is read from the core inside the listener: its sessions close right after.
      core.on('conflict', (length, _fork, proof) => this.onfork(captureFork(core, length, proof)))
      await core.ready()
      await withholdIfMarked(core) // a log an audit found damaged stays unserved after a restart
      this.fetchLog(core)
    }
    this.quarantined = quarantined
    this.forked = forked
    const changed = denied.size !== this.denied.size || [...denied].some((k) => !this.denied.has(k))
    this.denied = denied
    if (changed) this.ondenied()
  }
}
