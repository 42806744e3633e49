/**
 * Progress of long work, on stderr and only when stderr is a terminal (a pipe, a file or a
 * journal gets nothing): a line redrawn at most every 200 ms with what is done, the total when it
 * is known, the share done and an ETA from the rate so far.
 */
import { formatDuration } from '../units.js'

const REDRAW_MS = 200

/** A progress line. */
export class Progress {
  /** Drawing at all: stderr is a terminal. */
  readonly on = process.stderr.isTTY === true
  private readonly started = performance.now()
  private last = -Infinity
  private width = 0
  private done = 0
  private total: number | null = null
  private note = ''

  /** `label` leads the line (`exported`); `unit` follows the counts (`entries`). */
  constructor (private readonly label: string, private readonly unit: string) {}

  /**
   * `done` of `total` (null: unknown), and a note after it. `ratio` overrides the share done when
   * the counts are not what it is measured by (export measures by time).
   */
  update (done: number, total: number | null = this.total, note = '', ratio?: number): void {
    this.done = done
    this.total = total
    this.note = note
    if (!this.on) return
    const now = performance.now()
    if (now - this.last < REDRAW_MS) return
    this.last = now
    this.draw(ratio)
  }

  /** Work with no count to show (one long request): `text` and the time so far, redrawn by a timer. */
  waiting (text: string): { stop: () => void } {
    if (!this.on) return { stop () {} }
    const draw = (): void => this.write(`${text}  ${formatDuration(performance.now() - this.started)}`)
    draw()
    const timer = setInterval(draw, 500)
    return {
      stop: () => {
        clearInterval(timer)
        draw()
        process.stderr.write('\n')
      }
    }
  }

  /** Draw the final state and end the line. */
  finish (note = this.note): void {
    if (!this.on) return
    this.note = note
    this.draw(null)
    process.stderr.write('\n')
  }

  private draw (ratio: number | null | undefined): void {
    const share = ratio === null ? null : ratio ?? (this.total !== null && this.total > 0 ? this.done / this.total : null)
    let line = `${this.label} ${this.done}${this.total === null ? '' : `/${this.total}`} ${this.unit}`
    const elapsed = performance.now() - this.started
    if (share !== null && share > 0 && share < 1) {
      line += `  ${Math.floor(share * 100)}%  ETA ${formatDuration(elapsed * (1 - share) / share)}`
    } else {
      line += `  ${formatDuration(elapsed)}`
    }
    if (this.note !== '') line += `  ${this.note}`
    this.write(line)
  }

  private write (line: string): void {
    const pad = Math.max(0, this.width - line.length)
    this.width = line.length
    process.stderr.write(`\r${line}${' '.repeat(pad)}`)
  }
}
