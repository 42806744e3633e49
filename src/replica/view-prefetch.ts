/**
 * After an Autobase fast-forward the view is usable before its blocks are here: a read of an
 * older block waits for a peer. On a device that then goes offline, or that reopens before it
 * fetched them (its network starts after the reads a replica makes on open), such a read would
 * wait for good. So the replica fetches the whole view in the background, on open and after
 * every fast-forward, and defers its open-time reads until the view is local. Then Autobase's
 * system core: its own update reads it (heads, writers), so a device admitted by a fast-forward
 * that drove away before those blocks came held every append for good, waiting in that update.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import safetyCatch from 'safety-catch'

/** What the prefetch needs of an Autobase. */
type PrefetchedBase = Pick<Autobase<Hyperbee>, 'view' | 'core' | 'on' | 'off'>

/** A range download of a Hypercore. */
interface Download {
  done (): Promise<void>
  destroy (): void
}

/** Internal: one per opened base. */
export class ViewPrefetch {
  private readonly base: PrefetchedBase
  private readonly onlocal: (local: boolean) => void
  private range: Download | null = null
  private systemRange: Download | null = null
  private waiting: Array<() => void> = []
  private closed = false
  private readonly onfastforward = (): void => this.fetch()

  /** `onlocal` hears whether the view is local each time the prefetch finds out. */
  constructor (base: PrefetchedBase, onlocal: (local: boolean) => void = () => {}) {
    this.base = base
    this.onlocal = onlocal
  }

  /**
   * Every signed block of the view is stored here. The blocks past it are this device's own
   * apply, local by construction; Autobase's view session counts `contiguousLength` up to the
   * signed length only, so comparing with `length` would call a view with tentative entries remote.
   */
  get local (): boolean {
    const core = this.base.view.core
    return core.contiguousLength >= core.signedLength
  }

  /** The view and Autobase's system core both hold every signed block here. */
  get stateLocal (): boolean {
    const system = this.base.core
    return this.local && system.contiguousLength >= system.signedLength
  }

  /** Fetch what is missing now and after every fast-forward, until close. */
  start (): void {
    this.base.on('fast-forward', this.onfastforward)
    this.fetch()
  }

  /** Resolves once the view is local (never, if the prefetch closes first). */
  async whenLocal (): Promise<void> {
    if (this.local) return
    await new Promise<void>((resolve) => this.waiting.push(resolve))
  }

  close (): void {
    this.closed = true
    this.base.off('fast-forward', this.onfastforward)
    this.range?.destroy()
    this.range = null
    this.systemRange?.destroy()
    this.systemRange = null
    this.waiting = []
  }

  private fetch (): void {
    if (this.closed) return
    if (this.local) return this.settle()
    this.onlocal(false)
    const core = this.base.view.core
    this.range?.destroy()
    const range = core.download({ start: 0, end: core.signedLength })
    this.range = range
    range.done().then(() => {
      if (this.range !== range) return
      this.range = null
      // A fast-forward during the download moved the end: look again.
      this.fetch()
    }, (err: unknown) => {
      // Destroyed on close or by a newer fetch; a real failure is for safetyCatch.
      if (this.range === range && !this.closed) safetyCatch(err)
    })
  }

  /** The system core's signed blocks, once the view is local (reads wait on the view first). */
  private fetchSystem (): void {
    const core = this.base.core
    if (this.closed || core.contiguousLength >= core.signedLength) return
    this.systemRange?.destroy()
    const range = core.download({ start: 0, end: core.signedLength })
    this.systemRange = range
    range.done().then(() => {
      if (this.systemRange !== range) return
      this.systemRange = null
      this.fetchSystem()
    }, (err: unknown) => {
      if (this.systemRange === range && !this.closed) safetyCatch(err)
    })
  }

  private settle (): void {
    this.fetchSystem()
    this.onlocal(true)
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
  }
}
