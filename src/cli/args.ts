/**
 * Flags and arguments: node:util parseArgs with the options every command shares, positional
 * counts checked against the command's usage, and JSON / time / duration / number arguments
 * parsed with a usage error (exit 2) when they are malformed. Errors read `<what>: <problem>`.
 */
import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'
import { didYouMean } from '../suggest.js'
import { DURATION_HINT, parseDuration, parseTime, TIME_HINT } from '../units.js'
import { UsageError } from './errors.js'

/** One flag of a command. */
export interface OptionSpec {
  type: 'string' | 'boolean'
  short?: string
  /** Placeholder shown in help for a string flag, e.g. `N`. */
  value?: string
  help: string
}

/** Parsed flag values by long name. */
export type Flags = Record<string, string | boolean | undefined>

/** Flags every command takes. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  data: { type: 'string', value: 'DIR', help: 'data folder (default: $MESHLEDGER_DATA, else ./data in the project)' },
  json: { type: 'boolean', help: 'machine output: one JSON document (JSON lines for watch, export)' },
  help: { type: 'boolean', short: 'h', help: 'show this help' }
}

/** Flags of every command that writes an entry. */
export const WRITE_OPTIONS: Record<string, OptionSpec> = {
  wait: { type: 'string', value: 'confirmed', help: 'answer once the entry is confirmed (final), not just applied' },
  timeout: { type: 'string', value: 'DURATION', help: 'with --wait: give up after this long (default 30s; plain digits: ms)' }
}

// parseArgs reads `-1` as a short flag; negative numbers are hidden behind this mark, then restored.
const NEG = '\u0001'

/** Parse `args` against `options`; throws {@link UsageError} on unknown flags or a bad count of positionals. */
export function parse (args: string[], options: Record<string, OptionSpec>, usage: string): { positionals: string[], flags: Flags } {
  const required = usage.match(/<[^>]+>/g) ?? []
  const max = required.length + (usage.match(/\[[^\]]+\]/g) ?? []).length
  const marked = args.map((a) => /^-\d/.test(a) ? NEG + a : a)
  const spec: Record<string, { type: 'string' | 'boolean', short?: string }> = {}
  for (const [name, o] of Object.entries(options)) spec[name] = o.short === undefined ? { type: o.type } : { type: o.type, short: o.short }
  let parsed
  try {
    parsed = parseArgs({ args: marked, options: spec, allowPositionals: true, strict: true })
  } catch (err) {
    const unknown = /^Unknown option '(-{1,2})([^']+)'/.exec((err as Error).message)
    if (unknown !== null) {
      const known = Object.entries(options).flatMap(([name, o]) => unknown[1] === '-' ? (o.short === undefined ? [] : [o.short]) : [name])
      throw new UsageError(`unknown option ${unknown[1]}${unknown[2]}${didYouMean(unknown[2], known, unknown[1])}`)
    }
    throw new UsageError((err as Error).message.replace(/\. To specify a positional argument.*$/s, ''))
  }
  const unmark = (v: string): string => v.startsWith(NEG) ? v.slice(1) : v
  const flags: Flags = {}
  for (const [k, v] of Object.entries(parsed.values)) flags[k] = typeof v === 'string' ? unmark(v) : v as boolean | undefined
  const positionals = parsed.positionals.map(unmark)
  if (flags.help === true) return { positionals, flags }
  if (positionals.length < required.length) throw new UsageError(`missing argument ${required[positionals.length]}`)
  if (positionals.length > max) throw new UsageError(`unexpected argument ${positionals[max]}`)
  return { positionals, flags }
}

/** Parse a JSON argument (`what` names it in the error). */
export function json (text: string, what: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    throw new UsageError(`${what}: not valid JSON: ${text.length > 40 ? text.slice(0, 40) + '...' : text}`)
  }
}

/** A JSON argument, or `@file` to read it from a file. */
export async function jsonOrFile (text: string, what: string): Promise<unknown> {
  if (!text.startsWith('@')) return json(text, what)
  let content: string
  try {
    content = await readFile(text.slice(1), 'utf8')
  } catch (err) {
    throw new UsageError(`cannot read ${text.slice(1)}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`)
  }
  return json(content, `${what} in ${text.slice(1)}`)
}

/** A value that is JSON when it parses (numbers, booleans, objects), else the text itself. */
export function jsonOrText (text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return text
  }
}

/** A number argument. */
export function number (text: string, what: string): number {
  const n = Number(text)
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`${what}: expected a number, not ${JSON.stringify(text)}`)
  return n
}

/** `value` when it is one of `allowed`; else a usage error worded like every other. */
export function choice<T extends string> (value: string, allowed: readonly T[], what: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new UsageError(`${what}: expected ${allowed.length === 1 ? allowed[0] : `${allowed.slice(0, -1).join(', ')} or ${allowed[allowed.length - 1]}`}, not ${JSON.stringify(value)}`)
}

/** A time flag: ms since the epoch, or an ISO 8601 date. */
export function time (text: string, what: string): number {
  const ms = parseTime(text)
  if (ms === null) throw new UsageError(`${what}: expected ${TIME_HINT}, not ${JSON.stringify(text)}`)
  return ms
}

/** A duration flag: `30s`, `5m`, `1h`, `7d`, or plain digits as ms. */
export function duration (text: string, what: string): number {
  const ms = parseDuration(text)
  if (ms === null) throw new UsageError(`${what}: expected ${DURATION_HINT}, not ${JSON.stringify(text)}`)
  return ms
}

/** Read all of stdin as text ('' when it is a terminal). */
export async function readStdin (): Promise<string> {
  if (process.stdin.isTTY === true) return ''
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
