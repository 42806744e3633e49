/**
 * One event per line: JSON when stdout is not a terminal (journald, files), readable otherwise.
 */

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 }

/** A log level. */
export type LogLevel = keyof typeof LEVELS

/** Writes events at or above a level. */
export class Logger {
  private readonly level: number
  private readonly json: boolean
  private readonly out: NodeJS.WritableStream

  constructor (level: LogLevel, { json, out }: { json: boolean, out: NodeJS.WritableStream }) {
    this.level = LEVELS[level]
    this.json = json
    this.out = out
  }

  debug (event: string, fields: Record<string, unknown> = {}): void { this.write('debug', event, fields) }
  info (event: string, fields: Record<string, unknown> = {}): void { this.write('info', event, fields) }
  warn (event: string, fields: Record<string, unknown> = {}): void { this.write('warn', event, fields) }
  error (event: string, fields: Record<string, unknown> = {}): void { this.write('error', event, fields) }

  private write (level: LogLevel, event: string, fields: Record<string, unknown>): void {
    if (LEVELS[level] < this.level) return
    if (this.json) {
      this.out.write(JSON.stringify({ time: new Date().toISOString(), level, event, ...fields }) + '\n')
      return
    }
    const rest = Object.entries(fields).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
    this.out.write(`${new Date().toISOString().slice(11, 19)} ${level.padEnd(5)} ${event}${rest === '' ? '' : ' ' + rest}\n`)
  }
}
