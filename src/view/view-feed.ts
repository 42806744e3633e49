/**
 * Follows the view as apply writes it and turns that into events for watchers: `entry` for each
 * entry record written (in apply order) and `reorder` when the view was truncated below what was
 * already reported, naming the entries that were rewound (they are re-reported if re-applied).
 */
import { EventEmitter } from 'node:events'
import type Hyperbee from 'hyperbee'
import safetyCatch from 'safety-catch'
import { decodeBlockRecord, entriesOfBlock, type Entry } from '../protocol/entry.js'
import type { EntryId } from '../protocol/entry-id.js'
import { addressOfBlockKey, isBlockKey } from '../protocol/view-layout.js'

/** Reported when a reorder rewrote entries a watcher had already seen. */
export interface Reorder {
  /** The view was cut back to this length before the new order was applied. */
  truncatedTo: number
  /** Entries already reported that were undone; re-applied ones are reported again. */
  rewound: EntryId[]
}

/** Internal: one per ledger, started by the first watcher. */
export class ViewFeed extends EventEmitter {
  private readonly bee: Hyperbee
  private cursor = -1
  private generation = 0
  private reading: Promise<void> | null = null
  private again = false
  private readonly seen = new Map<number, EntryId[]>()
  private readonly ontruncate: (length: number) => void

  constructor (bee: Hyperbee) {
    super()
    this.bee = bee
    this.ontruncate = (length) => this.truncated(length)
  }

  /** Start following from the view's current length. */
  start (): void {
    if (this.cursor !== -1) return
    this.cursor = this.bee.core.length
    this.bee.core.on('truncate', this.ontruncate)
  }

  /** Stop following. */
  stop (): void {
    this.bee.core.off('truncate', this.ontruncate)
    this.cursor = -1
    this.seen.clear()
  }

  /** The view changed: read what is new. */
  poke (): void {
    if (this.cursor === -1) return
    if (this.reading !== null) {
      this.again = true
      return
    }
    this.reading = this.read().catch(safetyCatch).finally(() => {
      this.reading = null
      if (this.again) {
        this.again = false
        this.poke()
      }
    })
  }

  /** Resolves when no read is in progress. */
  async idle (): Promise<void> {
    while (this.reading !== null) await this.reading
  }

  private truncated (length: number): void {
    if (this.cursor === -1 || length >= this.cursor) return
    this.generation++
    this.cursor = length
    const rewound: EntryId[] = []
    for (const [seq, ids] of this.seen) {
      if (seq >= length) {
        rewound.push(...ids)
        this.seen.delete(seq)
      }
    }
    this.emit('reorder', { truncatedTo: length, rewound } satisfies Reorder)
    this.poke()
  }

  private async read (): Promise<void> {
    const generation = this.generation
    const core = this.bee.core
    const end = core.length
    if (end <= this.cursor) return
    const signed = core.signedLength
    for (const seq of this.seen.keys()) if (seq < signed) this.seen.delete(seq)

    const found: Array<[number, Entry[]]> = []
    for await (const node of this.bee.createHistoryStream({ gte: Math.max(1, this.cursor), lt: end })) {
      if (this.generation !== generation) return
      if (node.type !== 'put' || !isBlockKey(node.key)) continue
      const { writer, seq } = addressOfBlockKey(node.key)
      found.push([node.seq, entriesOfBlock(writer, seq, decodeBlockRecord(node.value), node.seq, signed)])
    }
    if (this.generation !== generation) return
    this.cursor = end
    for (const [seq, entries] of found) {
      if (seq >= signed) this.seen.set(seq, entries.map((e) => e.id))
      for (const entry of entries) this.emit('entry', entry)
    }
  }
}
