/**
 * How long this device's own appends take to be applied and to be confirmed, for `/metrics`.
 *
 * Both are timed from the entry's `timestamp` (this device's clock when the library took the
 * append). Applied: when `append` answers with the entry applied. Confirmed: the library has no
 * event per entry, so the appends still unconfirmed wait here in log order and, after each view
 * update, the oldest is read again (`ledger.status`); one device's blocks are confirmed in the
 * order it wrote them (each block depends on the one before), so the first still unconfirmed
 * ends the round. At most {@link MAX_PENDING} wait: beyond that, new appends are not timed.
 */
import type { Entry } from '../protocol/entry.js'
import type { Ledger } from '../ledger.js'

/** Unconfirmed appends kept to be timed (an indexer-less device offline keeps them all). */
export const MAX_PENDING = 10_000

interface Pending { id: string, seq: number, timestamp: number, applied: boolean }

/** Where the timings go, in seconds. */
export interface AppendObserver {
  applied (seconds: number): void
  confirmed (seconds: number): void
}

/** Times the appends of one ledger; {@link track} starts over when the daemon reopened it. */
export class AppendTimer {
  private ledger: Ledger | null = null
  private queue: Pending[] = []
  private head = 0
  private checking: Promise<void> | null = null
  private again = false
  private readonly onupdate = (): void => this.check()

  constructor (private readonly observe: AppendObserver) {}

  /** An append by this device, as `ledger.append` (or a write like it) answered. */
  track (ledger: Ledger, entry: Entry): void {
    if (ledger !== this.ledger) this.attach(ledger)
    const since = (): number => Math.max(0, Date.now() - entry.timestamp) / 1000
    const applied = entry.status !== 'pending'
    if (applied) this.observe.applied(since())
    if (entry.status === 'confirmed') this.observe.confirmed(since())
    if (entry.status === 'confirmed' || entry.status === 'rejected') return
    if (this.queue.length - this.head >= MAX_PENDING) return
    // Concurrent appends may answer out of log order: keep the queue in it.
    let i = this.queue.length
    while (i > this.head && this.queue[i - 1].seq > entry.seq) i--
    this.queue.splice(i, 0, { id: entry.id, seq: entry.seq, timestamp: entry.timestamp, applied })
  }

  /** Stop following the ledger; what still waits is not timed. */
  close (): void {
    this.ledger?.off('update', this.onupdate)
    this.ledger = null
    this.queue = []
    this.head = 0
  }

  private attach (ledger: Ledger): void {
    this.close()
    this.ledger = ledger
    ledger.on('update', this.onupdate)
  }

  private check (): void {
    if (this.checking !== null) {
      this.again = true
      return
    }
    const ledger = this.ledger
    if (ledger === null || this.head === this.queue.length) return
    this.checking = this.round(ledger).catch(() => {}).finally(() => {
      this.checking = null
      if (this.again) {
        this.again = false
        this.check()
      }
    })
  }

  /** Read the oldest waiting appends until one is not confirmed yet. */
  private async round (ledger: Ledger): Promise<void> {
    while (this.ledger === ledger && this.head < this.queue.length) {
      const first = this.queue[this.head]
      const status = await ledger.status(first.id)
      if (this.ledger !== ledger) return
      const now = Date.now()
      const since = (p: Pending): number => Math.max(0, now - p.timestamp) / 1000
      if (!first.applied && status !== 'pending') {
        first.applied = true
        this.observe.applied(since(first))
      }
      if (status !== 'confirmed' && status !== 'rejected') return
      // Every entry of the block shares its fate (one block, one position in the view).
      while (this.head < this.queue.length && this.queue[this.head].seq === first.seq) {
        const p = this.queue[this.head++]
        if (status !== 'confirmed') continue
        if (!p.applied) this.observe.applied(since(p))
        this.observe.confirmed(since(p))
      }
      if (this.head > 1024 && this.head * 2 > this.queue.length) {
        this.queue = this.queue.slice(this.head)
        this.head = 0
      }
    }
  }
}
