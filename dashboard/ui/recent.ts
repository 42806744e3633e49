/**
 * Recent entries as the stream announced them, and how their status moves on (applied, then
 * confirmed once the indexers' quorum signed the view past them). The stream reports applies
 * only, so the page asks for the status of the oldest few entries not yet final, twice a second
 * while there are any; time-to-confirm is measured from when the page first saw the entry.
 */
import { get, route } from './api.js'
import type { Entry } from './types.js'

const KEEP = 25
const TIMES = 50
const FINAL = new Set(['confirmed', 'rejected'])
/** Status requests per check, oldest pending first. */
const PER_CHECK = 5

/** An entry the page follows. */
export interface Tracked {
  entry: Entry
  seen: number
  /** Each status it was seen in, in order. */
  history: string[]
  /** ms from first seen to seen confirmed. */
  toConfirm?: number
}

/** The newest entries and the recent times to confirm. */
export class Recent {
  readonly rows: Tracked[] = []
  readonly times: number[] = []

  /** An entry from the stream (again, after a reorder, is a new status for the same row). */
  add (entry: Entry): void {
    const row = this.rows.find((r) => r.entry.id === entry.id)
    if (row !== undefined) {
      this.move(row, entry.status)
      return
    }
    this.rows.unshift({ entry, seen: Date.now(), history: [entry.status] })
    this.rows.length = Math.min(this.rows.length, KEEP)
  }

  /** Entries a reorder undid are tentative again. */
  rewind (ids: string[]): void {
    for (const r of this.rows) if (ids.includes(r.entry.id)) this.move(r, 'pending')
  }

  /** Ask the status of the oldest entries not final yet; true if any changed. */
  async check (): Promise<boolean> {
    let changed = false
    for (const r of this.rows.filter((x) => !FINAL.has(x.entry.status)).slice(-PER_CHECK)) {
      const { status } = await get<{ status: string }>(route('entries', r.entry.id, 'status'))
      if (this.move(r, status)) changed = true
    }
    return changed
  }

  private move (r: Tracked, status: string): boolean {
    if (status === r.entry.status) return false
    r.entry.status = status
    r.history.push(status)
    if (status === 'confirmed' && r.toConfirm === undefined) {
      r.toConfirm = Date.now() - r.seen
      this.times.push(r.toConfirm)
      if (this.times.length > TIMES) this.times.shift()
    }
    return true
  }
}
