/**
 * `export`: every matching entry as JSON lines or CSV, paged through `GET /v1/entries` by time.
 */
import { once } from 'node:events'
import type { Entry } from '../../protocol/entry.js'
import type { Client, Query } from '../client.js'
import { route, type Command } from '../command.js'
import { choice } from '../args.js'
import { CliError, UsageError } from '../errors.js'
import { Progress } from '../progress.js'
import { RANGE_OPTIONS, range } from './entries.js'

const PAGE = 1000
const MAX_PAGE = 10_000 // the API's cap on ?limit

/** The columns of an exported entry, in order. */
export const EXPORT_COLUMNS = ['id', 'writer', 'timestamp', 'type', 'status', 'data'] as const

const exportCommand: Command = {
  name: 'export',
  usage: '',
  summary: 'write every matching entry as JSON lines or CSV',
  description: 'Writes id, writer, timestamp (ms), type, status and data of each entry in timestamp order.\nCSV has a header row and data as JSON text. --json is the same as --format jsonl.\nRejected entries are not in the indexes and are not exported.',
  options: {
    format: { type: 'string', value: 'F', help: 'jsonl (default) or csv' },
    ...RANGE_OPTIONS
  },
  async run (ctx) {
    const format = ctx.flags.format ?? 'jsonl'
    choice(String(format), ['jsonl', 'csv'], '--format')
    if (ctx.json && format === 'csv') throw new UsageError('--json writes JSON lines; drop it for --format csv')
    const client = await ctx.client()
    const q: Query = { type: ctx.flags.type as string | undefined, ...range(ctx.flags) }
    const progress = new Progress('exported', 'entries')
    // On a terminal, progress by time: the export walks timestamps up to the newest match.
    const newest = progress.on ? (await client.request<{ entries: Entry[] }>('GET', route('entries'), { query: { ...q, reverse: true, limit: 1 } })).entries[0]?.timestamp : undefined
    if (format === 'csv') await out(EXPORT_COLUMNS.join(',') + '\n')
    let count = 0
    let first: number | null = null
    for await (const page of pages(client, q)) {
      const rows = page.map((e) => ({ id: e.id, writer: e.writer, timestamp: e.timestamp, type: e.type, status: e.status, data: e.data ?? null }))
      await out(rows.map((r) => format === 'csv' ? csvRow(EXPORT_COLUMNS.map((c) => c === 'data' ? JSON.stringify(r.data) : String(r[c]))) : JSON.stringify(r)).join('\n') + '\n')
      count += page.length
      first ??= page[0].timestamp
      const at = page[page.length - 1].timestamp
      const ratio = newest === undefined || newest <= first ? undefined : (at - first) / (newest - first)
      progress.update(count, null, `up to ${new Date(at).toISOString()}`, ratio)
    }
    progress.finish('done')
  }
}

/**
 * Pages of entries, each entry once. The API pages by time only (`since`), and many entries can
 * share a millisecond (one group commit), so each page starts at the last timestamp seen and skips
 * the entries of that millisecond already written; a page that is all one millisecond is re-read
 * larger.
 */
async function * pages (client: Client, q: Query): AsyncGenerator<Entry[]> {
  let since = q.since
  let last = -Infinity
  let seen = new Set<string>()
  let limit = PAGE
  while (true) {
    const { entries } = await client.request<{ entries: Entry[] }>('GET', route('entries'), { query: { ...q, since, limit } })
    const fresh = entries.filter((e) => e.timestamp > last || (e.timestamp === last && !seen.has(e.id)))
    for (const e of fresh) {
      if (e.timestamp !== last) {
        last = e.timestamp
        seen = new Set()
      }
      seen.add(e.id)
    }
    if (fresh.length > 0) yield fresh
    if (entries.length < limit) return
    if (fresh.length === 0) {
      if (limit >= MAX_PAGE) throw new CliError('EXPORT_STUCK', `more than ${MAX_PAGE} entries share timestamp ${last}; the API cannot page past them`)
      limit = Math.min(limit * 2, MAX_PAGE)
      continue
    }
    since = last
    limit = PAGE
  }
}

function csvRow (cells: string[]): string {
  return cells.map((c) => /[",\r\n]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c).join(',')
}

async function out (text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain')
}

/** The export command. */
export const exportCommands: Command[] = [exportCommand]
