/**
 * Sync progress per member log: how much of each writer's log this device holds, and how much
 * connected peers say exists. Sessions on member cores are opened (and fully downloaded, once the
 * view is local) as members' blocks appear in the view, and listen for forks: Hypercore's
 * `conflict`, a peer proving that the writer signed another history than the one held here.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import crypto from 'hypercore-crypto'
import safetyCatch from 'safety-catch'
import { captureFork, type ForkEvidence } from '../proofs/fork-evidence.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import { withholdIfMarked } from './withheld-logs.js'
import type { MemberRecord } from '../apply/membership.js'
import { blockRange, memberRange } from '../protocol/view-layout.js'

/**
 * Member logs caught up at once. Started together, every log's download asked the same peers
 * for up to 48 blocks (Hypercore's requests in flight per core and peer): a fresh device of a
 * 64-writer fleet had ~3,000 requests queued on its one peer the moment its view was local, and
 * every read it made waited behind them (the bench's 64 reads of the newest entries ended 3-6 s
 * after the view was local). Two at a time cost the same work and leave room for reads.
 */
export const LOG_CATCH_UPS = 2

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
  /** Downloads of the member logs, while they are fetched: a catch-up range, then a live one. */
  private readonly downloads = new Map<string, { destroy (): void }>()
  /** Logs waiting for a catch-up slot (ids), in the order they came. */
  private readonly waiting = new Set<string>()
  /** Logs in a catch-up slot (ids). */
  private readonly catching = new Set<string>()
  /** Bumped each time the logs are held back: a catch-up under way when it happened starts again. */
  private generation = 0
  private fetching = false
  private readonly cores = new Map<string, Hypercore>()
  /** Members (ids) whose logs are not opened here: no block of theirs is in the view yet. */
  private readonly unopened = new Set<string>()
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
    this.dropWaiting()
    this.generation++
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
    // Not replicated here until the view holds a block of theirs, so no peer's length is known.
    for (const id of this.unopened) out.push({ key: encodeKey<DeviceKey>(Buffer.from(id, 'hex')), length: 0, remoteLength: 0, lag: 0 })
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
    this.dropWaiting()
    while (this.refreshing !== null) await this.refreshing
    await Promise.all([...this.cores.values()].map((c) => c.close()))
    this.cores.clear()
  }

  private download (id: string, core: Hypercore): void {
    if (this.closed || core.closed || this.downloads.has(id) || this.waiting.has(id) || this.catching.has(id)) return
    this.waiting.add(id)
    this.pump()
  }

  private dropWaiting (): void {
    this.waiting.clear()
  }

  /** Start catch-ups while slots are free. */
  private pump (): void {
    for (const id of this.waiting) {
      if (this.catching.size >= LOG_CATCH_UPS) return
      this.waiting.delete(id)
      const core = this.cores.get(id)
      if (core === undefined || !this.fetching) continue
      this.catching.add(id)
      const generation = this.generation
      this.catchUp(id, core).catch(safetyCatch).finally(() => {
        this.catching.delete(id)
        // Held back (and maybe let go again) meanwhile: its downloads were dropped.
        if (generation !== this.generation) this.download(id, core)
        this.pump()
      })
    }
  }

  /**
   * Fetch a log up to the length its peers report, then follow it with a live download (later
   * appends, and blocks whose request died with a dropped connection). The slot is given back
   * early when no peer is left to fetch from, so a log whose peers are gone holds up no other.
   * (A peer still fetching the log itself holds the slot until it has the blocks or leaves: a
   * peer's contiguous length is not known yet when the catch-up starts, so it cannot tell.)
   */
  private async catchUp (id: string, core: Hypercore): Promise<void> {
    await core.update() // the peers' length (false at once when no peer holds the log)
    if (!this.fetching || this.closed || core.closed) return
    // update() can answer while a peer's sync is still being checked: its length is known already.
    const end = Math.max(core.length, ...core.peers.map((peer) => peer.remoteLength))
    const range = core.download({ start: 0, end })
    this.downloads.set(id, range)
    await doneOrStranded(core, range.done())
    if (this.downloads.get(id) !== range) return // held back or closed meanwhile
    range.destroy()
    this.downloads.set(id, core.download({ start: 0, end: -1 }))
  }

  /**
   * Whether a member's log is opened here yet. Opening one creates it in this device's storage,
   * and a stored core is served to every peer: a fleet's devices, admitted before any of them
   * wrote, each held an empty copy of every other member's log, so a gateway meeting 64 of them
   * had 64 peers on each log and announced every block it fetched to the 63 holding nothing of it
   * (422k range messages in a 64-writer merge of 6,400 blocks). A writer's log is opened once the
   * view holds a block of it (then there is something to keep), or at once if it is stored here
   * already (Autobase opened it: opening it again adds no copy); an indexer's at once, as its log
   * can hold acks alone, which leave no block in the view; this device's own, which exists anyway,
   * too. Local blocks only, as in the scan.
   */
  private async worthHolding (key: Buffer, record: MemberRecord): Promise<boolean> {
    if (record.role === 'indexer' || key.equals(this.self)) return true
    if (await this.store.storage.hasCore(crypto.discoveryKey(key))) return true
    for await (const _ of this.view.createReadStream({ ...blockRange(key), limit: 1 }, { wait: false })) return true
    return false
  }

  private async scan (): Promise<void> {
    const denied = new Set<string>()
    let quarantined = false
    let forked = false
    // Local blocks only: on a fast-forwarded view still being fetched a read would wait for a peer,
    // and close() waits for a scan. The replica refreshes again once the view is local.
    for await (const node of this.view.createReadStream(memberRange(), { wait: false })) {
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
      if (!(await this.worthHolding(key, record))) {
        this.unopened.add(id)
        continue
      }
      this.unopened.delete(id)
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

/** Resolves once `done` settles or `core` has no peer left to fetch from. */
async function doneOrStranded (core: Hypercore, done: Promise<void>): Promise<void> {
  let onremove = (): void => {}
  const stranded = new Promise<void>((resolve) => {
    onremove = () => { if (core.peers.length === 0) resolve() }
  })
  core.on('peer-remove', onremove)
  try {
    await Promise.race([done.catch(() => {}), stranded])
  } finally {
    core.off('peer-remove', onremove)
  }
}
