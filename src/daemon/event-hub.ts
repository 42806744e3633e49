/**
 * The events `/v1/stream` sends, with ids a client can resume from. One watcher on the ledger
 * feeds every stream; each event gets the id `<epoch>-<n>` and is kept in a bounded ring, so a
 * client that reconnects with `Last-Event-ID` is sent what it missed. The hub runs while a stream
 * is open and for `linger` ms after the last one closed (time to reconnect); when it stops, its
 * ring and epoch go, and a later id is answered with a `reset` event that says so.
 */
import { randomBytes } from 'node:crypto'
import safetyCatch from 'safety-catch'
import type { Ledger } from '../ledger.js'
import type { Watcher } from '../view/watcher.js'

const DEFAULT_KEEP = 1024
const DEFAULT_KEEP_BYTES = 4 * 1024 * 1024
const DEFAULT_LINGER_MS = 60_000

/** One event as the stream writes it. */
export interface HubEvent {
  id: string
  event: 'entry' | 'reorder' | 'reset'
  /** The event's data, as JSON. */
  data: string
  /** For `entry` events, what streams filter on. */
  type?: string
  writer?: string
}

/** Which entries a stream wants (reorders and resets always go). */
export interface StreamFilter {
  type?: string
  writer?: string
}

interface Subscriber { filter: StreamFilter, send: (ev: HubEvent) => void, end: () => void }

/** Fans one ledger watcher out to the open streams and keeps recent events for resuming. */
export class EventHub {
  private readonly ledger: () => Ledger
  private readonly keep: number
  private readonly keepBytes: number
  private readonly linger: number
  private readonly subscribers = new Set<Subscriber>()
  private readonly ring: HubEvent[] = []
  private ringBytes = 0
  private watcher: Watcher | null = null
  private watching: Ledger | null = null
  private epoch = ''
  private next = 0
  private timer: NodeJS.Timeout | null = null

  constructor (ledger: () => Ledger, { keep = DEFAULT_KEEP, keepBytes = DEFAULT_KEEP_BYTES, linger = DEFAULT_LINGER_MS } = {}) {
    this.ledger = ledger
    this.keep = keep
    this.keepBytes = keepBytes
    this.linger = linger
  }

  /**
   * Send `send` every event from now on that passes `filter`; with `lastEventId`, first what came
   * after it, or a `reset` event when the hub no longer holds that; `end` when the hub closes.
   * Returns the unsubscribe.
   */
  subscribe (filter: StreamFilter, lastEventId: string | undefined, send: (ev: HubEvent) => void, end: () => void): () => void {
    this.start()
    if (lastEventId !== undefined) {
      const missed = this.since(lastEventId)
      if (missed === null) send(this.reset(lastEventId))
      else for (const ev of missed) if (passes(ev, filter)) send(ev)
    }
    const sub = { filter, send, end }
    this.subscribers.add(sub)
    return () => {
      this.subscribers.delete(sub)
      if (this.subscribers.size === 0 && this.timer === null && this.watcher !== null) {
        this.timer = setTimeout(() => { this.timer = null; if (this.subscribers.size === 0) this.stop() }, this.linger)
        this.timer.unref()
      }
    }
  }

  /** Stop watching and end every stream. */
  close (): void {
    const subs = [...this.subscribers]
    this.subscribers.clear()
    this.stop()
    for (const sub of subs) sub.end()
  }

  /** Events after `id` (ids count from 1; `<epoch>-0` is before the first), or null when `id` is not one this hub can resume from. */
  private since (id: string): HubEvent[] | null {
    const m = /^([0-9a-f]+)-(\d+)$/.exec(id)
    if (m === null || m[1] !== this.epoch) return null
    const n = Number(m[2])
    const before = this.next - 1 - this.ring.length
    if (n > this.next - 1 || n < before) return null
    return this.ring.slice(n - before)
  }

  private reset (lastEventId: string): HubEvent {
    const reason = 'this daemon no longer holds the events after that id (restarted, or away too long): read what was missed with GET /v1/entries?since='
    // The id of the newest event: resuming from it misses nothing from here on.
    return { id: `${this.epoch}-${this.next - 1}`, event: 'reset', data: JSON.stringify({ lastEventId, reason }) }
  }

  private start (): void {
    if (this.timer !== null) {
      clearTimeout(this.timer)
      this.timer = null
    }
    const ledger = this.ledger()
    if (this.watcher !== null && this.watching === ledger) return
    this.stop()
    this.epoch = randomBytes(4).toString('hex')
    this.next = 1
    this.watching = ledger
    const watcher = ledger.watch()
    this.watcher = watcher
    this.pump(watcher).catch(safetyCatch)
  }

  private stop (): void {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.watcher?.return().catch(safetyCatch)
    this.watcher = null
    this.watching = null
    this.ring.length = 0
    this.ringBytes = 0
    this.epoch = ''
  }

  private async pump (watcher: Watcher): Promise<void> {
    for await (const ev of watcher) {
      if (watcher !== this.watcher) return
      const out: HubEvent = ev.type === 'entry'
        ? { id: this.id(), event: 'entry', data: JSON.stringify(ev.entry), type: ev.entry.type, writer: ev.entry.writer }
        : { id: this.id(), event: 'reorder', data: JSON.stringify({ truncatedTo: ev.truncatedTo, rewound: ev.rewound }) }
      this.remember(out)
      for (const sub of this.subscribers) if (passes(out, sub.filter)) sub.send(out)
    }
  }

  private id (): string {
    return `${this.epoch}-${this.next++}`
  }

  private remember (ev: HubEvent): void {
    this.ring.push(ev)
    this.ringBytes += ev.data.length
    while (this.ring.length > this.keep || (this.ringBytes > this.keepBytes && this.ring.length > 1)) {
      this.ringBytes -= (this.ring.shift() as HubEvent).data.length
    }
  }
}

function passes (ev: HubEvent, filter: StreamFilter): boolean {
  if (ev.event !== 'entry') return true
  return (filter.type === undefined || ev.type === filter.type) && (filter.writer === undefined || ev.writer === filter.writer)
}
