/**
 * The daemon's log, on pino: one event per line, JSON (`event`, `msg`, `level` as a name, ISO
 * `time`, the event's fields) when stdout is not a terminal or `--json` is given, readable lines on
 * a terminal. When stdout is a journald stream (the daemon under systemd) each line starts with
 * its syslog priority (`<3>` for an error), which journald takes as the entry's priority
 * (`SyslogLevelPrefix=yes`, systemd's default) and strips: `journalctl -p err` finds errors.
 */
import { fstatSync } from 'node:fs'
import { pino, stdTimeFunctions, type DestinationStream, type Logger as Pino } from 'pino'

/** A log level. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'fatal'

/** pino's level numbers and the syslog priorities journald files them under (RFC 5424). */
const SYSLOG: Record<number, number> = { 20: 7, 30: 6, 40: 4, 50: 3, 60: 2 }

/** How a {@link Logger} writes. */
export interface LogOptions {
  /** JSON lines (else readable lines). */
  json: boolean
  out: NodeJS.WritableStream
  /** Start each line with `<priority>` for journald (see {@link onJournal}). */
  syslogPrefix?: boolean
}

/**
 * Whether file descriptor `fd` is the journald stream systemd gave this process: systemd sets
 * `JOURNAL_STREAM=<device>:<inode>` of that stream, and a descendant writing elsewhere (a pipe,
 * a file) keeps the variable, so the descriptor is compared with it.
 */
export function onJournal (fd: number, env: NodeJS.ProcessEnv = process.env): boolean {
  const m = /^(\d+):(\d+)$/.exec(env.JOURNAL_STREAM ?? '')
  if (m === null) return false
  try {
    const s = fstatSync(fd, { bigint: true })
    return s.dev === BigInt(m[1]) && s.ino === BigInt(m[2])
  } catch {
    return false
  }
}

/** Writes events at or above a level. */
export class Logger {
  private readonly pino: Pino

  constructor (level: LogLevel, { json, out, syslogPrefix = false }: LogOptions) {
    const destination = new Destination(out, json, syslogPrefix)
    this.pino = pino({
      level,
      base: null,
      timestamp: stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) }
    }, destination)
  }

  debug (event: string, fields: Record<string, unknown> = {}): void { this.write('debug', event, fields) }
  info (event: string, fields: Record<string, unknown> = {}): void { this.write('info', event, fields) }
  warn (event: string, fields: Record<string, unknown> = {}): void { this.write('warn', event, fields) }
  error (event: string, fields: Record<string, unknown> = {}): void { this.write('error', event, fields) }
  /** The daemon cannot go on (or could not start), and exits. */
  fatal (event: string, fields: Record<string, unknown> = {}): void { this.write('fatal', event, fields) }

  /** `event` is the line's `event` and its `msg`; nothing is built below the level (the access log runs per request). */
  private write (level: LogLevel, event: string, fields: Record<string, unknown>): void {
    if (this.pino.isLevelEnabled(level)) this.pino[level]({ event, ...fields }, event)
  }
}

/** Asks pino to set `lastLevel`, `lastObj` and `lastTime` on the destination before each write. */
const METADATA: unique symbol = Symbol.for('pino.metadata') as never

/** pino's destination: it hands over each line with its level and fields (pino's metadata). */
class Destination implements DestinationStream {
  readonly [METADATA] = true
  lastLevel = 0
  lastObj: Record<string, unknown> = {}
  lastTime = ''

  constructor (private readonly out: NodeJS.WritableStream, private readonly json: boolean, private readonly prefix: boolean) {}

  write (line: string): void {
    const text = this.json ? line : readable(this.lastLevel, this.lastObj, this.lastTime)
    this.out.write(this.prefix ? `<${SYSLOG[this.lastLevel] ?? 6}>${text}` : text)
  }
}

/** `12:34:56 warn  event key=value ...` */
function readable (level: number, fields: Record<string, unknown>, time: string): string {
  const { event, ...rest } = fields
  const label = pino.levels.labels[level] ?? String(level)
  const pairs = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')
  // pino's lastTime is the raw `,"time":"..."` fragment of the line
  const clock = /T(\d\d:\d\d:\d\d)/.exec(time)?.[1] ?? ''
  return `${clock} ${label.padEnd(5)} ${String(event)}${pairs === '' ? '' : ' ' + pairs}\n`
}
