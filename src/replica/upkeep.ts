/**
 * The upkeep a replica does when its view moves (the protocol check, member sessions and the
 * removed-members set, an indexer's rule duties), run as one coalesced pass instead of on every
 * Autobase `update`. Each of those reads the view from its root; run per update, on every device,
 * they put several storage round trips next to every append and every arriving block, on the one
 * thread that also applies, replicates and answers reads.
 *
 * A pass starts on the next turn of the event loop after an update (so whatever listens to the
 * update reads first), at most one runs at a time, and updates that arrive meanwhile are folded
 * into one more pass at least {@link UPKEEP_SPACING_MS} after the previous one started: under
 * load the upkeep runs a bounded number of times per second, and it never lags more than that.
 */
import safetyCatch from 'safety-catch'

/** Shortest time between the starts of two passes, ms. */
export const UPKEEP_SPACING_MS = 50

/** Internal: one per open replica. */
export class Upkeep {
  private readonly pass: () => Promise<void>
  private readonly spacing: number
  private running: Promise<void> | null = null
  private scheduled: NodeJS.Timeout | NodeJS.Immediate | null = null
  private again = false
  private startedAt = -Infinity
  private closed = false

  /** `pass` does the work; it handles its own errors (a rejection here is a programmer error). */
  constructor (pass: () => Promise<void>, spacing = UPKEEP_SPACING_MS) {
    this.pass = pass
    this.spacing = spacing
  }

  /** The view moved: make sure a pass starts after now. */
  poke (): void {
    if (this.closed || this.scheduled !== null) return // the pass to come sees this update too
    if (this.running !== null) {
      this.again = true
      return
    }
    this.schedule()
  }

  /** Stop scheduling; resolves once a running pass is over. */
  async close (): Promise<void> {
    this.closed = true
    this.again = false
    if (this.scheduled !== null) {
      clearTimeout(this.scheduled as NodeJS.Timeout)
      clearImmediate(this.scheduled as NodeJS.Immediate)
      this.scheduled = null
    }
    await this.running
  }

  private schedule (): void {
    // The monotonic clock: a wall clock stepped back (NTP on a device whose clock ran ahead)
    // must not hold the upkeep for the size of the step.
    const wait = this.startedAt + this.spacing - performance.now()
    // Not unref'd: a pass is at most UPKEEP_SPACING_MS away and may be what a caller waits on
    // (an upgrade-required event); close() clears it. A timer counts whole milliseconds of
    // libuv's loop time and may fire up to one early: it then schedules again, so a pass starts
    // only once the spacing has passed.
    this.scheduled = wait > 0
      ? setTimeout(() => { this.scheduled = null; this.schedule() }, wait)
      : setImmediate(() => this.start())
  }

  private start (): void {
    this.scheduled = null
    if (this.closed) return
    this.again = false
    this.startedAt = performance.now()
    this.running = this.pass().catch(safetyCatch).finally(() => {
      this.running = null
      if (this.again && !this.closed) {
        this.again = false
        this.schedule()
      }
    })
  }
}
