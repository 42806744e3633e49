/**
 * How a command reaches the ledger. When `<data>/daemon.json` names a live process, over HTTP to
 * that daemon with the token in `<data>/api-token`. Otherwise the command opens the storage
 * itself: it starts the same daemon in-process, offline, on a loopback port, and sends it the same
 * requests, so every command has one code path.
 */
import { access, readFile } from 'node:fs/promises'
import path from 'node:path'
import { resolveConfig } from '../daemon/config.js'
import { Daemon, daemonFiles, type DaemonInfo } from '../daemon/daemon.js'
import { Logger } from '../daemon/logger.js'
import { DEFAULT_DATA } from './constants.js'
import { CliError } from './errors.js'

/** Query parameters; undefined and false values are left out. */
export type Query = Record<string, string | number | boolean | undefined>

/** One Server-Sent Event. */
export interface ServerEvent {
  event: string
  data: string
}

/** A connection to a ledger through its HTTP API. */
export interface Client {
  /** `daemon`: a running daemon; `local`: the storage opened by this process. */
  readonly via: 'daemon' | 'local'
  /** The API's base URL. */
  readonly url: string
  /** A JSON request; throws {@link CliError} with the API's code on an error status. */
  request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options?: { query?: Query, body?: unknown }): Promise<T>
  /** Follow a Server-Sent Events stream until `signal` aborts or the server ends it. */
  events(path: string, query: Query, signal: AbortSignal): AsyncIterable<ServerEvent>
  /** Release what the client holds (closes the in-process daemon). */
  close(): Promise<void>
}

/** Options of {@link connect}. */
export interface ConnectOptions {
  /** Create the ledger when the folder holds none (only `init` does; others refuse). */
  create?: boolean
  /** Ledger key to join when creating. */
  key?: string
}

/** The data folder the flags and environment point at. */
export function dataFolder (flag: string | boolean | undefined): string {
  return path.resolve(typeof flag === 'string' ? flag : process.env.MESHLEDGER_DATA ?? DEFAULT_DATA)
}

/** The running daemon of a data folder, or null when none runs (no file, or a dead pid). */
export async function runningDaemon (data: string): Promise<DaemonInfo | null> {
  let info: DaemonInfo
  try {
    info = JSON.parse(await readFile(daemonFiles(data).info, 'utf8')) as DaemonInfo
  } catch {
    return null
  }
  if (typeof info?.pid !== 'number' || typeof info.url !== 'string' || !alive(info.pid)) return null
  return info
}

/** Connect to the ledger in `data`: its daemon if one runs, else the storage in-process. */
export async function connect (data: string, { create = false, key }: ConnectOptions = {}): Promise<Client> {
  const files = daemonFiles(data)
  const info = await runningDaemon(data)
  if (info !== null) {
    let token: string
    try {
      token = (await readFile(files.token, 'utf8')).trim()
    } catch {
      throw new CliError('UNAUTHORISED', `a daemon (pid ${info.pid}) serves ${data} but ${files.token} is unreadable`)
    }
    return new HttpClient('daemon', info.url, token, async () => {}, info.pid)
  }
  if (!create && !await exists(files.store)) {
    throw new CliError('NOT_FOUND', `no ledger in ${data} (run meshledger init, or pass --data)`)
  }
  const flags: Record<string, string | undefined> = { data, key }
  const config = await resolveConfig(flags, process.env, DEFAULT_DATA)
  const daemon = new Daemon({ ...config, offline: true, port: 0, host: '127.0.0.1' }, new Logger('error', { json: true, out: process.stderr }))
  await daemon.ready()
  return new HttpClient('local', daemon.url, daemon.token, () => daemon.close(), null)
}

class HttpClient implements Client {
  readonly via: 'daemon' | 'local'
  readonly url: string
  private readonly token: string
  private readonly onclose: () => Promise<void>
  private readonly pid: number | null

  constructor (via: 'daemon' | 'local', url: string, token: string, onclose: () => Promise<void>, pid: number | null) {
    this.via = via
    this.url = url
    this.token = token
    this.onclose = onclose
    this.pid = pid
  }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, { query, body }: { query?: Query, body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}` }
    if (body !== undefined) headers['content-type'] = 'application/json'
    const res = await this.fetch(this.href(path, query), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text) as unknown
    } catch {}
    if (!res.ok) throw apiError(res.status, parsed)
    return parsed as T
  }

  async * events (path: string, query: Query, signal: AbortSignal): AsyncIterable<ServerEvent> {
    let res: Response
    try {
      res = await this.fetch(this.href(path, query), { headers: { authorization: `Bearer ${this.token}`, accept: 'text/event-stream' }, signal })
    } catch (err) {
      if (signal.aborted) return
      throw err
    }
    if (!res.ok || res.body === null) throw apiError(res.status, await res.json().catch(() => null))
    const decoder = new TextDecoder()
    let buffer = ''
    try {
      for await (const chunk of res.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true })
        let end: number
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          const ev = parseEvent(block)
          if (ev !== null) yield ev
        }
      }
    } catch (err) {
      if (signal.aborted) return
      throw err
    }
  }

  async close (): Promise<void> {
    await this.onclose()
  }

  private href (path: string, query: Query = {}): string {
    const url = new URL(path, this.url)
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== false) url.searchParams.set(k, String(v))
    return url.href
  }

  private async fetch (url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init)
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err
      const cause = (err as { cause?: { code?: string, message?: string } }).cause
      const why = cause?.code ?? cause?.message ?? (err as Error).message
      if (this.via === 'daemon') {
        throw new CliError('DAEMON_UNREACHABLE', `the daemon (pid ${String(this.pid)}) at ${this.url} does not answer (${why}); if none runs, remove daemon.json from the data folder`)
      }
      throw new CliError('INTERNAL', `the in-process API at ${this.url} failed: ${why}`)
    }
  }
}

function apiError (status: number, body: unknown): CliError {
  const error = (body as { error?: { code?: unknown, message?: unknown } } | null)?.error
  const code = typeof error?.code === 'string' ? error.code : `HTTP_${status}`
  const message = typeof error?.message === 'string' ? error.message : `the API answered ${status}`
  return new CliError(code, message, status)
}

function parseEvent (block: string): ServerEvent | null {
  let event = 'message'
  const data: string[] = []
  for (const line of block.split('\n')) {
    if (line.startsWith(':')) continue
    const i = line.indexOf(':')
    const field = i === -1 ? line : line.slice(0, i)
    const value = i === -1 ? '' : line.slice(i + 1).replace(/^ /, '')
    if (field === 'event') event = value
    else if (field === 'data') data.push(value)
  }
  return data.length === 0 ? null : { event, data: data.join('\n') }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function exists (file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}
