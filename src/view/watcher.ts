/**
 * `ledger.watch()`: an async iterator over what apply does to the view, live.
 */
import type { Entry } from '../protocol/entry.js'
import type { DeviceKey } from '../keys.js'
import type { Reorder, ViewFeed } from './view-feed.js'

/** What a watcher yields: an applied entry, or notice that a reorder rewound entries already yielded. */
export type WatchEvent =
  | { type: 'entry', entry: Entry }
  | ({ type: 'reorder' } & Reorder)

/** Which entries a watcher reports (reorders are always reported). */
export interface WatchFilter {
  type?: string
  writer?: DeviceKey
}

/** Live view of applied entries; end it with `return()` or by breaking out of `for await`. */
export class Watcher implements AsyncIterableIterator<WatchEvent> {
  private readonly feed: ViewFeed
  private readonly filter: WatchFilter
  private readonly buffered: WatchEvent[] = []
  private waiting: ((r: IteratorResult<WatchEvent>) => void) | null = null
  private done = false
  private readonly onentry = (entry: Entry): void => {
    if (this.filter.type !== undefined && entry.type !== this.filter.type) return
    if (this.filter.writer !== undefined && entry.writer !== this.filter.writer) return
    this.push({ type: 'entry', entry })
  }

  private readonly onreorder = (reorder: Reorder): void => {
    this.push({ type: 'reorder', ...reorder })
  }

  private readonly onend: (w: Watcher) => void

  constructor (feed: ViewFeed, filter: WatchFilter, onend: (w: Watcher) => void) {
    this.feed = feed
    this.filter = filter
    this.onend = onend
    feed.on('entry', this.onentry)
    feed.on('reorder', this.onreorder)
  }

  [Symbol.asyncIterator] (): this {
    return this
  }

  next (): Promise<IteratorResult<WatchEvent>> {
    const value = this.buffered.shift()
    if (value !== undefined) return Promise.resolve({ value, done: false })
    if (this.done) return Promise.resolve({ value: undefined, done: true })
    return new Promise((resolve) => { this.waiting = resolve })
  }

  /** Stop watching; a pending `next()` resolves as done. */
  return (): Promise<IteratorResult<WatchEvent>> {
    if (!this.done) {
      this.done = true
      this.feed.off('entry', this.onentry)
      this.feed.off('reorder', this.onreorder)
      this.buffered.length = 0
      this.onend(this)
      const waiting = this.waiting
      this.waiting = null
      if (waiting !== null) waiting({ value: undefined, done: true })
    }
    return Promise.resolve({ value: undefined, done: true })
  }

  private push (event: WatchEvent): void {
    const waiting = this.waiting
    if (waiting !== null) {
      this.waiting = null
      waiting({ value: event, done: false })
    } else {
      this.buffered.push(event)
    }
  }
}
