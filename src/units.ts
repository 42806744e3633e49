/**
 * Units every interface shares (the command line, the daemon's configuration): durations as
 * `30s`, `5m`, `1h` (plain digits are milliseconds), times as ms since the epoch or ISO 8601.
 * Pure parsers that answer `null` for malformed text, so each caller raises its own coded error.
 */

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** How a duration is written, for error messages. */
export const DURATION_HINT = 'a duration like 500ms, 30s, 5m, 1h or 7d (plain digits: ms)'

/** How a time is written, for error messages. */
export const TIME_HINT = 'ms since the epoch or an ISO 8601 date'

/** `90s`, `1.5m`, `1h`, `7d`, `250ms` or plain ms (`30000`) as ms; `null` when malformed. */
export function parseDuration (text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim())
  if (m === null) return null
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? 'ms']
  return Number.isSafeInteger(Math.round(ms)) ? Math.round(ms) : null
}

/** ms since the epoch (digits, possibly negative) or an ISO 8601 date, as ms; `null` when malformed. */
export function parseTime (text: string): number | null {
  const s = text.trim()
  if (/^-?\d+$/.test(s)) return Number.isSafeInteger(Number(s)) ? Number(s) : null
  // Date.parse takes many shapes; only ISO 8601 (a date, optionally a time and zone) is promised.
  if (!/^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i.test(s)) return null
  const ms = Date.parse(s)
  return Number.isNaN(ms) ? null : ms
}

/** A duration for people: `750 ms`, `12 s`, `3 min 5 s`, `2 h 10 min`. */
export function formatDuration (ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  const s = Math.round(ms / 1000)
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}
