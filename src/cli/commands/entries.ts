/**
 * Entries: `append`, `record`, `get`, `query`, `watch`.
 */
import type { Entry } from '../../protocol/entry.js'
import { duration, json, jsonOrText, number, readStdin, time, type Flags, type OptionSpec } from '../args.js'
import type { Query, ServerEvent } from '../client.js'
import { route, write, type Command } from '../command.js'
import { CliError, UsageError } from '../errors.js'
import { clip, iso, print, printFields, printJson, printTable, text } from '../output.js'

/** Flags that select entries by time, shared by `query` and `export`. */
export const RANGE_OPTIONS: Record<string, OptionSpec> = {
  type: { type: 'string', value: 'T', help: 'entries of this type only' },
  since: { type: 'string', value: 'TIME', help: 'from this time on (ms since the epoch or ISO date), inclusive' },
  until: { type: 'string', value: 'TIME', help: 'before this time (ms since the epoch or ISO date)' }
}

/** `--since` / `--until` as ms, or undefined. */
export function range (flags: Flags): { since?: number, until?: number } {
  return {
    since: typeof flags.since === 'string' ? time(flags.since, '--since') : undefined,
    until: typeof flags.until === 'string' ? time(flags.until, '--until') : undefined
  }
}

const append: Command = {
  name: 'append',
  usage: '<type> [json-data]',
  summary: 'append an entry; data as a JSON argument or on stdin',
  description: 'Without json-data (or with -), the data is read from stdin when stdin is not a terminal.\nThe member. and ledger. type prefixes are reserved.',
  write: true,
  async run (ctx) {
    const [type, arg] = ctx.args
    let data: unknown
    if (arg !== undefined && arg !== '-') data = json(arg, 'json-data')
    else {
      const input = (await readStdin()).trim()
      if (input !== '') data = json(input, 'data on stdin')
      else if (arg === '-') throw new UsageError('no data on stdin')
    }
    return await write(ctx, 'POST', route('entries'), { type, data })
  }
}

const record: Command = {
  name: 'record',
  usage: '<stream> <value>',
  summary: 'record a telemetry reading on a stream',
  description: 'value is JSON when it parses as JSON (21.5, true, {"c":4}), else a string.',
  options: { asset: { type: 'string', value: 'ID', help: 'the asset the reading is about' } },
  write: true,
  async run (ctx) {
    const [stream, value] = ctx.args
    return await write(ctx, 'POST', route('readings'), { stream, value: jsonOrText(value), asset: ctx.flags.asset })
  }
}

const get: Command = {
  name: 'get',
  usage: '<id>',
  summary: 'show one entry by id',
  async run (ctx) {
    const client = await ctx.client()
    const entry = await client.request<Entry>('GET', route('entries', ctx.args[0]))
    if (ctx.json) return printJson(entry)
    printFields([
      ['id', entry.id],
      ['type', entry.type],
      ['status', entry.status],
      ['rejected', entry.rejection === undefined ? undefined : `${entry.rejection.code}: ${entry.rejection.reason}${entry.rejection.final ? ' (final)' : ''}`],
      ['writer', entry.writer],
      ['time', iso(entry.timestamp)],
      ['version', entry.version],
      ['data', entry.data === undefined ? null : entry.data]
    ])
  }
}

const query: Command = {
  name: 'query',
  usage: '',
  summary: 'list entries by type, writer, stream or time',
  description: 'Reads one index in timestamp order (since <= timestamp < until): the stream index with\n--stream, else the type index with --type, else the writer index with --writer, else time.',
  options: {
    ...RANGE_OPTIONS,
    writer: { type: 'string', value: 'KEY', help: 'entries of this device only' },
    stream: { type: 'string', value: 'S', help: 'telemetry readings of this stream' },
    limit: { type: 'string', value: 'N', help: 'at most N entries (default 100, at most 10000)' },
    reverse: { type: 'boolean', help: 'newest first' }
  },
  async run (ctx) {
    const f = ctx.flags
    const q: Query = { type: f.type as string, writer: f.writer as string, stream: f.stream as string, ...range(f), reverse: f.reverse === true }
    if (typeof f.limit === 'string') q.limit = number(f.limit, '--limit')
    const client = await ctx.client()
    const res = await client.request<{ entries: Entry[] }>('GET', route('entries'), { query: q })
    if (ctx.json) return printJson(res)
    printTable(['ID', 'TIME', 'TYPE', 'STATUS', 'DATA'], res.entries.map((e) => [e.id, iso(e.timestamp), e.type, e.status, clip(text(e.data))]), 'no entries')
  }
}

const watch: Command = {
  name: 'watch',
  usage: '',
  summary: 'follow entries as they are applied, until Ctrl-C',
  description: 'Prints each applied (or rejected) entry, and each reorder that undid entries already\nprinted (those re-applied are printed again). With --json, one JSON line per event:\n{"type":"entry","entry":{...}} or {"type":"reorder","truncatedTo":N,"rewound":[ids]}.\nWhen the daemon stops or restarts, watch says so on stderr and reconnects (backing off from\n250ms to 5s); it exits 5 if no daemon is back within --reconnect. Entries applied while it\nwas away are not replayed (query --since fills the gap).',
  options: {
    type: { type: 'string', value: 'T', help: 'entries of this type only' },
    writer: { type: 'string', value: 'KEY', help: 'entries of this device only' },
    reconnect: { type: 'string', value: 'DURATION', help: 'how long to wait for a daemon that went away (default 30s; 0: exit 5 at once)' }
  },
  async run (ctx) {
    const bound = typeof ctx.flags.reconnect === 'string' ? duration(ctx.flags.reconnect, '--reconnect') : 30_000
    const first = await ctx.client()
    let client = first
    const controller = new AbortController()
    const stop = (): void => controller.abort()
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
    try {
      while (true) {
        try {
          for await (const ev of client.events(route('stream'), { type: ctx.flags.type as string, writer: ctx.flags.writer as string }, controller.signal)) printEvent(ctx.json, ev)
        } catch (err) {
          if (!(err instanceof CliError && err.code === 'DAEMON_UNREACHABLE')) throw err
        }
        if (controller.signal.aborted) return
        if (client.via !== 'daemon') throw new CliError('STREAM_ENDED', 'the in-process API ended the stream')
        const { awaitDaemon } = await import('../reconnect.js')
        const next = await awaitDaemon('watch', ctx.data, bound, controller.signal)
        if (next === null) return
        if (client !== first) await client.close()
        client = next
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      if (client !== first) await client.close()
    }
  }
}

function printEvent (json: boolean, ev: ServerEvent): void {
  const data = JSON.parse(ev.data) as Record<string, unknown>
  if (json) {
    printJson(ev.event === 'entry' ? { type: 'entry', entry: data } : { type: ev.event, ...data }, { line: true })
  } else if (ev.event === 'entry') {
    const e = data as unknown as Entry
    print(`${iso(e.timestamp)}  ${e.status.padEnd(9)}  ${e.type}  ${e.id}  ${clip(text(e.data))}`)
  } else {
    const rewound = Array.isArray(data.rewound) ? data.rewound.length : 0
    print(`${new Date().toISOString()}  ${ev.event}  truncated to ${text(data.truncatedTo)}, ${rewound} entries rewound`)
  }
}

/** The entry commands. */
export const entryCommands: Command[] = [append, record, get, query, watch]
