/**
 * How a command reaches the ledger. When `<data>/daemon.json` names a live process, over HTTP to
 * that daemon with the token in `<data>/api-token`. Otherwise the command opens the storage
 * itself: it starts the same daemon in-process, offline, on a loopback port, and sends it the same
 * requests, so every command has one code path.
 */
import { access, readFile } from 'node:fs/promises'
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { resolveConfig } from '../daemon/config.js'
import { Daemon, daemonFiles, runningDaemon } from '../daemon/daemon.js'
import { Logger } from '../daemon/logger.js'
import { DEFAULT_DATA } from './constants.js'
import { CliError, type CliErrorCode } from './errors.js'
import { isMeshledgerError } from '../errors.js'
import { isDaemonError, type ApiErrorCode } from '../daemon/api-errors.js'

/** What an error code from the API looks like. */
const API_CODE = /^[A-Z][A-Z0-9_]*$/

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
  /** A request whose answer is not JSON (a backup's tar): the response, to read as a stream. */
  download(method: 'GET' | 'POST', path: string): Promise<IncomingMessage>
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


/**
 * Connect to the ledger in `data`: its daemon if one runs, else the storage in-process. Another
 * `meshledger` process may hold the folder for a moment (it runs the same API in-process, without
 * advertising it), so a locked folder, or a daemon.json whose server has just stopped answering,
 * is retried for a short while before it is an error.
 */
export async function connect (data: string, options: ConnectOptions = {}): Promise<Client> {
  const start = performance.now()
  while (true) {
    try {
      const client = await connectOnce(data, options)
      return client.via === 'daemon' ? new Reconnecting(client, () => connect(data, options)) : client
    } catch (err) {
      const elapsed = performance.now() - start
      const busy = isMeshledgerError(err, 'STORAGE_LOCKED') || isDaemonError(err, 'DAEMON_RUNNING')
      const gone = err instanceof CliError && err.code === 'DAEMON_UNREACHABLE'
      if (!(busy && elapsed < BUSY_RETRY_MS) && !(gone && elapsed < UNREACHABLE_RETRY_MS)) throw err
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }
}

const BUSY_RETRY_MS = 10_000
const UNREACHABLE_RETRY_MS = 3000
const PROBE_TIMEOUT_MS = 3000

/**
 * A client of the daemon serving `data`, or null when none answers. Never opens the storage
 * itself: a daemon that is restarting needs the folder's lock (`watch` reconnects with this).
 */
export async function connectDaemon (data: string): Promise<Client | null> {
  const info = await runningDaemon(data)
  if (info === null) return null
  const client = await daemonClient(data, info)
  try {
    await client.probe()
    return client
  } catch (err) {
    if (err instanceof Unreachable) return null
    throw err
  }
}

async function daemonClient (data: string, info: { url: string, pid: number }): Promise<HttpClient> {
  // Without a readable token the daemon answers UNAUTHORISED, which says where the token lives.
  const token = await readFile(daemonFiles(data).token, 'utf8').then((t) => t.trim(), () => '')
  return new HttpClient('daemon', info.url, token, async () => {}, info.pid)
}

async function connectOnce (data: string, options: ConnectOptions): Promise<Client> {
  const info = await runningDaemon(data)
  if (info === null) return await openLocal(data, options)
  const client = await daemonClient(data, info)
  try {
    await client.probe()
    return client
  } catch (err) {
    if (!(err instanceof Unreachable)) throw err
    // daemon.json only says where a daemon listens; after a power cut it can name a live,
    // unrelated pid. The storage lock is the truth: if it is free, no daemon runs here.
    try {
      return await openLocal(data, options)
    } catch (local) {
      throw isMeshledgerError(local, 'STORAGE_LOCKED') || isDaemonError(local, 'DAEMON_RUNNING') ? err : local
    }
  }
}

/** Open the storage in-process: the same daemon, offline, unadvertised, on a loopback port. */
async function openLocal (data: string, { create = false, key }: ConnectOptions): Promise<Client> {
  if (!create && !await exists(daemonFiles(data).store)) {
    throw new CliError('NOT_FOUND', `no ledger in ${data} (run meshledger init, or pass --data)`)
  }
  const flags: Record<string, string | undefined> = { data, key }
  const config = await resolveConfig(flags, process.env, DEFAULT_DATA)
  const daemon = new Daemon({ ...config, offline: true, port: 0, host: '127.0.0.1' }, new Logger('error', { json: true, out: process.stderr }), { advertise: false })
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
    const res = await this.send(method, this.href(path, query), body === undefined ? undefined : JSON.stringify(body))
    const text = await readAll(res)
    let parsed: unknown = text
    try {
      parsed = JSON.parse(text) as unknown
    } catch {}
    if ((res.statusCode ?? 500) >= 300) throw apiError(res.statusCode ?? 500, parsed)
    return parsed as T
  }

  async download (method: 'GET' | 'POST', path: string): Promise<IncomingMessage> {
    const res = await this.send(method, this.href(path), undefined, { accept: '*/*' })
    if ((res.statusCode ?? 500) >= 300) throw apiError(res.statusCode ?? 500, await readAll(res).then((t) => JSON.parse(t) as unknown, () => null))
    return res
  }

  async * events (path: string, query: Query, signal: AbortSignal): AsyncIterable<ServerEvent> {
    let res: IncomingMessage
    try {
      res = await this.send('GET', this.href(path, query), undefined, { signal, accept: 'text/event-stream' })
    } catch (err) {
      if (signal.aborted) return
      throw err
    }
    if (res.statusCode !== 200) throw apiError(res.statusCode ?? 500, await readAll(res).then((t) => JSON.parse(t) as unknown, () => null))
    res.setEncoding('utf8')
    let buffer = ''
    try {
      for await (const chunk of res) {
        buffer += chunk as string
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
      // The daemon went away mid-stream (stopped, restarted, crashed).
      if (this.via === 'daemon') throw new Unreachable(false, `the daemon at ${this.url} dropped the stream (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
      throw err
    }
  }

  async close (): Promise<void> {
    await this.onclose()
  }

  /**
   * Check that the daemon daemon.json names answers (`/healthz` needs no token and states the
   * daemon's pid): anything else at that address is {@link Unreachable}.
   */
  async probe (): Promise<void> {
    const text = await readAll(await this.send('GET', this.href('/healthz'), undefined, { timeout: PROBE_TIMEOUT_MS }))
    let pid: unknown = null
    try {
      pid = (JSON.parse(text) as { pid?: unknown } | null)?.pid
    } catch {}
    if (pid !== this.pid) throw new Unreachable(false, `what answers at ${this.url} is not the daemon (pid ${String(this.pid)}) daemon.json names`)
  }

  private href (path: string, query: Query = {}): URL {
    const url = new URL(path, this.url)
    for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== false) url.searchParams.set(k, String(v))
    return url
  }

  /**
   * One request on a connection of its own (no keep-alive): a refused connection then always
   * means the request never reached a server, and no idle socket outlives a stopping daemon.
   */
  private async send (method: string, url: URL, body: string | undefined, { signal, accept = 'application/json', timeout }: { signal?: AbortSignal, accept?: string, timeout?: number } = {}): Promise<IncomingMessage> {
    const headers: Record<string, string | number> = { authorization: `Bearer ${this.token}`, accept }
    if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    try {
      return await new Promise<IncomingMessage>((resolve, reject) => {
        const req = httpRequest(url, { method, headers, agent: false, signal }, resolve)
        req.on('error', reject)
        if (timeout !== undefined) req.setTimeout(timeout, () => req.destroy(Object.assign(new Error('timed out'), { code: 'ETIMEDOUT' })))
        req.end(body)
      })
    } catch (err) {
      if (signal?.aborted === true) throw err
      const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message
      if (this.via === 'daemon') {
        throw new Unreachable(why === 'ECONNREFUSED', `the daemon (pid ${String(this.pid)}) at ${this.url} does not answer (${why}); if none runs, remove daemon.json from the data folder`)
      }
      throw new CliError('INTERNAL', `the in-process API at ${this.url} failed: ${why}`)
    }
  }
}

async function readAll (res: IncomingMessage): Promise<string> {
  res.setEncoding('utf8')
  let text = ''
  for await (const chunk of res) text += chunk as string
  return text
}

/** The daemon did not answer; `refused`: the request never reached it. */
class Unreachable extends CliError {
  readonly refused: boolean

  constructor (refused: boolean, message: string) {
    super('DAEMON_UNREACHABLE', message)
    this.refused = refused
  }
}

/**
 * A daemon client that connects again when a request is refused: the process daemon.json named
 * may have been another command that has just closed the folder. A refused connection never
 * reached a server, so even a write is safe to send again.
 */
class Reconnecting implements Client {
  private inner: Client
  private readonly reopen: () => Promise<Client>

  constructor (inner: Client, reopen: () => Promise<Client>) {
    this.inner = inner
    this.reopen = reopen
  }

  get via (): 'daemon' | 'local' { return this.inner.via }
  get url (): string { return this.inner.url }

  async request<T>(method: 'GET' | 'POST' | 'DELETE', path: string, options?: { query?: Query, body?: unknown }): Promise<T> {
    try {
      return await this.inner.request<T>(method, path, options)
    } catch (err) {
      if (!(err instanceof Unreachable) || !err.refused) throw err
      await this.inner.close()
      this.inner = await this.reopen()
      return await this.inner.request<T>(method, path, options)
    }
  }

  async download (method: 'GET' | 'POST', path: string): Promise<IncomingMessage> {
    return this.inner.download(method, path)
  }

  events (path: string, query: Query, signal: AbortSignal): AsyncIterable<ServerEvent> {
    return this.inner.events(path, query, signal)
  }

  async close (): Promise<void> {
    await this.inner.close()
  }
}

function apiError (status: number, body: unknown): CliError {
  const error = (body as { error?: { code?: unknown, message?: unknown } } | null)?.error
  // A daemon answers an ApiErrorCode; one of another version may know a code this build does not,
  // still a code by its shape. Anything else did not come from a meshledger daemon.
  const code: CliErrorCode = typeof error?.code === 'string' && API_CODE.test(error.code) ? error.code as ApiErrorCode : `HTTP_${status}`
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

async function exists (file: string): Promise<boolean> {
  try {
    await access(file)
    return true
  } catch {
    return false
  }
}
