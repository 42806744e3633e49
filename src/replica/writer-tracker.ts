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
  /** Live downloads of the member logs, while they are fetched. */
  private readonly downloads = new Map<string, { destroy (): void }>()
  private fetching = false
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
   * Hypercore detects on a member's log, this device's own included. The logs are fetched only
   * once told to ({@link fetchLogs}).
   */
  constructor (store: Corestore, view: Hyperbee, self: Buffer, ondenied: () => void, onfork: (evidence: Promise<ForkEvidence | null>) => void) {
    this.store = store
    this.view = view
    this.self = self
    this.ondenied = ondenied
    this.onfork = onfork
  }

  /**
   * Fetch the members' logs (`true`: the view is local) or hold them back (`false`: it is being
   * fetched). A ledger device keeps every member's whole log (audits and proofs need them), and a
   * live download also re-requests blocks whose request died with a dropped connection. The view
   * comes first: it is what answers queries, and a fast-forwarded device that fetched both at once
   * from the same peers spent a fifth of its sync on logs nothing reads until later. A device can
   * find its view local before it fast-forwards (it applied some blocks itself), so the logs are
   * held back again each time it jumps.
   */
  fetchLogs (fetch: boolean): void {
    this.fetching = fetch
    if (fetch) {
      for (const [id, core] of this.cores) this.download(id, core)
      return
    }
    for (const range of this.downloads.values()) range.destroy()
    this.downloads.clear()
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

  private download (id: string, core: Hypercore): void {
    if (this.closed || core.closed || this.downloads.has(id)) return
    this.downloads.set(id, core.download({ start: 0, end: -1 }))
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
      if (this.fetching) this.download(id, core)
    }
    this.quarantined = quarantined
    this.forked = forked
    const changed = denied.size !== this.denied.size || [...denied].some((k) => !this.denied.has(k))
    this.denied = denied
    if (changed) this.ondenied()
  }
}
