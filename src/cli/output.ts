/**
 * Printing: one JSON document (or JSON lines) with `--json`, short readable lines and tables
 * otherwise. Everything goes to stdout; errors and progress (progress.ts) go to stderr.
 */

/** Write one JSON document (pretty) or, with `line`, one compact JSON line. */
export function printJson (value: unknown, { line = false } = {}): void {
  process.stdout.write((line ? JSON.stringify(value) : JSON.stringify(value, null, 2)) + '\n')
}

/** Write lines of text. */
export function print (...lines: string[]): void {
  process.stdout.write(lines.map((l) => l + '\n').join(''))
}

/** `key  value` lines, keys padded to one column. Undefined values are left out. */
export function printFields (fields: Array<[string, unknown]>): void {
  const shown = fields.filter(([, v]) => v !== undefined)
  const width = Math.max(0, ...shown.map(([k]) => k.length))
  print(...shown.map(([k, v]) => `${k.padEnd(width)}  ${text(v)}`))
}

/** A table with a header row; `empty` is printed instead when there are no rows. */
export function printTable (headers: string[], rows: unknown[][], empty: string): void {
  if (rows.length === 0) {
    print(empty)
    return
  }
  const cells = rows.map((r) => r.map(text))
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)))
  const line = (r: string[]): string => r.map((c, i) => i === r.length - 1 ? c : c.padEnd(widths[i])).join('  ').trimEnd()
  print(line(headers), ...cells.map(line))
}

/** A value as table or field text: strings as they are, times as ISO, the rest as compact JSON. */
export function text (v: unknown): string {
  if (v === undefined || v === null) return '-'
  if (typeof v === 'string') return v
  return JSON.stringify(v)
}

/** ms since the epoch as ISO 8601. */
export function iso (ms: unknown): string {
  return typeof ms === 'number' && Number.isFinite(ms) ? new Date(ms).toISOString() : text(ms)
}

/** Cut text to `max` characters. */
export function clip (s: string, max = 60): string {
  return s.length > max ? s.slice(0, max - 3) + '...' : s
}
