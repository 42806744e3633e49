/**
 * After an Autobase fast-forward the view is usable before its blocks are here: a read of an
 * older block waits for a peer. On a device that then goes offline, or that reopens before it
 * fetched them (its network starts after the reads a replica makes on open), such a read would
 * wait for good. So the replica fetches the whole view in the background, on open and after
 * every fast-forward, and defers its open-time reads until the view is local. Then, on a writer,
 * Autobase's system core: its own update reads it (heads, writers), so a device admitted by a
 * fast-forward that drove away before those blocks came held every append for good, waiting in
 * that update. Until both are here such a device is not writable (`writeReady`): it could only
 * write while a peer stays.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'

/** What the prefetch needs of an Autobase. */
type PrefetchedBase = Pick<Autobase<Hyperbee>, 'view' | 'core' | 'writable' | 'on' | 'off'>

/** How long an append waits for the state it reads with nothing arriving, ms. */
const STALL_MS = 5_000

/** What a prefetch tells its replica, and whether it fetches the system core (see the constructor). */
export interface PrefetchOptions {
  onlocal?: (local: boolean) => void
  onready?: () => void
  system?: boolean
}

/** A range download of a Hypercore. */
interface Download {
  done (): Promise<void>
  destroy (): void
}

/** Internal: one per opened base. */
export class ViewPrefetch {
  private readonly base: PrefetchedBase
  private readonly onlocal: (local: boolean) => void
  private readonly onready: () => void
  private range: Download | null = null
  private systemRange: Download | null = null
  private readonly system: boolean
  private waiting: Array<() => void> = []
  private readonly readyWaiters = new Set<() => void>()
  private closed = false
  private readonly onfastforward = (): void => this.fetch()
  private readonly onwritable = (): void => { if (this.local) this.fetchSystem() }

  /**
   * `onlocal` hears whether the view is local each time the prefetch finds out; `onready`, that a
   * writer's view and system core are (`writeReady` may have turned true). `system: false` for a
   * replica that never fast-forwards (the audit's rebuild applies every log itself and must take
   * no derived block from a peer): its system core is its own apply's.
   */
  constructor (base: PrefetchedBase, { onlocal = () => {}, onready = () => {}, system = true }: PrefetchOptions = {}) {
    this.base = base
    this.onlocal = onlocal
    this.onready = onready
    this.system = system
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

  /**
   * Everything Autobase's update reads when this device appends is stored here: the view's signed
   * blocks, and the system core's (unless it is this replica's own apply): an append resolves
   * with no peer. A fast-forward makes it false, or a signed length that outgrew what is stored
   * (a restored device adopting its peers' view); the prefetch then fetches what is missing.
   */
  get writeReady (): boolean {
    const core = this.base.core
    return this.local && (!this.system || core.contiguousLength >= core.signedLength)
  }

  /**
   * Resolves true once `writeReady`, false once nothing came for STALL_MS (no peer gives it) or
   * on close: an append made meanwhile waits while the state it reads is arriving, and fails
   * rather than wait for a peer that may never come.
   */
  async untilWriteReady (): Promise<boolean> {
    this.refresh()
    if (this.writeReady || this.closed) return this.writeReady
    const cores = [this.base.view.core, this.base.core]
    return await new Promise<boolean>((resolve) => {
      let timer: NodeJS.Timeout | undefined
      const done = (): void => {
        clearTimeout(timer)
        for (const core of cores) core.off('download', progress)
        this.readyWaiters.delete(check)
        resolve(this.writeReady)
      }
      const progress = (): void => {
        clearTimeout(timer)
        timer = setTimeout(done, STALL_MS)
      }
      const check = (): void => { if (this.writeReady || this.closed) done() }
      for (const core of cores) core.on('download', progress)
      this.readyWaiters.add(check)
      progress()
    })
  }

  /**
   * The view moved (an update): a signed length can outgrow what is stored without a fast-forward
   * (a restored device adopting its peers' view), so fetch what is missing if nothing does yet.
   */
  refresh (): void {
    if (this.closed) return
    if (!this.local) {
      if (this.range === null) this.fetch()
    } else if (!this.writeReady && this.systemRange === null) {
      this.fetchSystem()
    }
    for (const check of [...this.readyWaiters]) check()
  }

  /** Fetch what is missing now and after every fast-forward, until close. */
  start (): void {
    this.base.on('fast-forward', this.onfastforward)
    this.base.on('writable', this.onwritable)
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
    this.base.off('writable', this.onwritable)
    this.range?.destroy()
    this.range = null
    this.systemRange?.destroy()
    this.systemRange = null
    this.waiting = []
    for (const check of [...this.readyWaiters]) check()
  }

  private fetch (): void {
    if (this.closed) return
    if (this.local) return this.settle()
    this.onlocal(false)
    // A fast-forward during the download moved the end: look again once it is done.
    this.download(this.base.view.core, 'range', () => this.fetch())
  }

  /**
   * The system core's signed blocks, once the view is local (reads wait on the view first), on a
   * writer: its appends wait on Autobase's update. A reader's update has nothing of its own to apply
   * offline, and a fresh reader's sync would fetch twice the blocks (a fleet's system core holds
   * two per writer block).
   */
  private fetchSystem (): void {
    const core = this.base.core
    if (!this.system || !this.base.writable || this.closed) return
    if (core.contiguousLength >= core.signedLength) return this.ready()
    this.download(core, 'systemRange', () => this.fetchSystem())
  }

  /** Download `core`'s signed blocks, held in `slot`; `then` once done, unless replaced or closed. */
  private download (core: Pick<Hypercore, 'download' | 'signedLength'>, slot: 'range' | 'systemRange', then: () => void): void {
    this[slot]?.destroy()
    const range = core.download({ start: 0, end: core.signedLength })
    this[slot] = range
    range.done().then(() => {
      if (this[slot] !== range) return
      this[slot] = null
      then()
    }, (err: unknown) => {
      // Destroyed on close or by a newer fetch; a real failure is for safetyCatch.
      if (this[slot] === range && !this.closed) safetyCatch(err)
    })
  }

  private ready (): void {
    this.onready()
    for (const check of [...this.readyWaiters]) check()
  }

  private settle (): void {
    this.fetchSystem()
    this.onlocal(true)
    const waiting = this.waiting
    this.waiting = []
    for (const resolve of waiting) resolve()
  }
}
