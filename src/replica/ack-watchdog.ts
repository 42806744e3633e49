/**
 * Finality watchdog: gets an indexer to ack when Autobase's own ack logic has stalled for good.
 *
 * Autobase 7.28.1 with three indexers can tie itself in a knot: after a few rounds of concurrent
 * acks every indexer's head has seen every pending value, so `shouldAck()` is false on all of
 * them, yet no later node is "strictly newer" than the two concurrent tails (each saw both), so
 * the linearizer never confirms them. No indexer writes again and finality stops, every indexer
 * connected. One more ack from each indexer in turn, each seeing the one before, undoes the knot.
 *
 * So an indexer that holds unconfirmed entries, has a peer, and has seen nothing change for a
 * while acks anyway. A random share of the wait on top spreads the indexers out: their acks come
 * one after another, not together (concurrent acks tied the knot). Each further ack of the same
 * stall waits twice as long (up to {@link MAX_WAIT_MS}): when too few indexers are online nothing
 * helps, and the log should barely grow.
 */
import safetyCatch from 'safety-catch'

/** Ack intervals without any change before an indexer acks on its own. */
const STALL_ACK_INTERVALS = 5
/** Shortest wait before acking on its own, ms. */
const MIN_STALL_MS = 1000
/** Longest wait between own acks while finality does not move, ms. */
const MAX_WAIT_MS = 5 * 60 * 1000

/** What the watchdog needs of an Autobase. */
export interface WatchedBase {
  readonly isIndexer: boolean
  readonly writable: boolean
  readonly closing: Promise<void> | null
  /** This device's log; its peers are the devices replicating with this one. */
  readonly local: { readonly peers: readonly unknown[] }
  append (value: null): Promise<unknown>
  on (event: 'update', listener: () => void): unknown
  off (event: 'update', listener: () => void): unknown
}

/** The view's lengths: all of it applied, `signedLength` of it final. */
export interface WatchedView {
  readonly length: number
  readonly signedLength: number
}

/** Internal: one per ledger, from open to close. */
export class AckWatchdog {
  private readonly base: WatchedBase
  private readonly view: WatchedView
  private readonly stallMs: number
  private timer: NodeJS.Timeout | null = null
  private forced = 0
  private signed = 0
  private running = false
  private readonly onupdate = (): void => this.arm()
  /** Acks written because finality had stalled, since open. */
  acks = 0

  /** `ackInterval`: the base's, in ms; the first wait is five of them (at least 1 s). */
  constructor (base: WatchedBase, view: WatchedView, ackInterval: number) {
    this.base = base
    this.view = view
    this.stallMs = Math.max(MIN_STALL_MS, STALL_ACK_INTERVALS * ackInterval)
  }

  /** Watch from now on. */
  start (): void {
    if (this.running) return
    this.running = true
    this.signed = this.view.signedLength
    this.base.on('update', this.onupdate)
    this.arm()
  }

  /** Stop watching (before the base closes). */
  stop (): void {
    this.running = false
    this.base.off('update', this.onupdate)
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  /** Every change restarts the wait: only a ledger where nothing happens at all is stalled. */
  private arm (): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    if (!this.running) return
    if (this.view.signedLength > this.signed) {
      this.signed = this.view.signedLength
      this.forced = 0
    }
    if (this.view.signedLength >= this.view.length) return
    const wait = Math.min(MAX_WAIT_MS, this.stallMs * 2 ** this.forced)
    this.timer = setTimeout(() => this.fire(), wait + Math.floor(Math.random() * wait))
    this.timer.unref()
  }

  private fire (): void {
    this.timer = null
    const base = this.base
    if (!this.running || base.closing !== null || !base.isIndexer || !base.writable) return
    if (this.view.signedLength >= this.view.length) return
    // Alone, an ack confirms nothing; look again later (a peer may come back with nothing new).
    if (base.local.peers.length === 0) return this.arm()
    this.forced++
    this.acks++
    // The ack's own update arms the next wait. It fails only when the base is closing.
    base.append(null).catch(safetyCatch)
  }
}
