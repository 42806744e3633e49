/**
 * The HTTP plumbing of the local API: routing by method and path pattern, bearer-token auth,
 * bounded JSON bodies, and errors answered as `{ error: { code, message } }` with the status
 * api-errors.ts gives their code.
 */
import { timingSafeEqual } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { MeshledgerError } from '../errors.js'
import { DaemonError, statusOf, type DaemonErrorCode } from './api-errors.js'
import { storageFailure } from '../replica/storage-errors.js'

/** A parsed request handed to a route. */
export interface Request {
  method: string
  params: Record<string, string>
  query: URLSearchParams
  body (): Promise<unknown>
  raw: IncomingMessage
  res: ServerResponse
}

/** What a route returns: a JSON body (status 200 unless given), or nothing if it wrote itself. */
export type Reply = { status?: number, body: unknown } | null

/** A route handler. */
export type Handler = (req: Request) => Promise<Reply>

interface Route { method: string, path: string, pattern: RegExp, names: string[], handler: Handler, open: boolean }

/**
 * Told once per request, when its answer ended: `route` is the matched route's pattern
 * (`/v1/entries/:id`, or `unmatched`), never the path or query, which may carry secrets.
 */
export type RequestObserver = (method: string, route: string, status: number, seconds: number) => void

/** A router with token auth; routes are `GET /v1/entries/:id` style patterns. */
export class Router {
  private readonly routes: Route[] = []
  private readonly token: Buffer
  private readonly maxBody: number
  private readonly onerror: (err: unknown) => void
  private readonly onfinish: RequestObserver
  private readonly session: (raw: IncomingMessage) => boolean

  /** `session`: whether a request without a bearer token may go on as a dashboard session (it may throw to refuse). */
  constructor ({ token, maxBody, onerror, onfinish, session = () => false }: { token: string, maxBody: number, onerror: (err: unknown) => void, onfinish: RequestObserver, session?: (raw: IncomingMessage) => boolean }) {
    this.token = Buffer.from(token)
    this.maxBody = maxBody
    this.onerror = onerror
    this.onfinish = onfinish
    this.session = session
  }

  /** Add a route; `open` routes need no token. */
  add (method: string, path: string, handler: Handler, { open = false } = {}): void {
    const names: string[] = []
    const pattern = new RegExp('^' + path.replace(/:([a-z]+)/g, (_m, name: string) => { names.push(name); return '([^/]+)' }) + '$')
    this.routes.push({ method, path, pattern, names, handler, open })
  }

  /** Serve one request. Never throws. */
  async handle (raw: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = performance.now()
    let matched = 'unmatched'
    try {
      const target = raw.url ?? '/'
      const q = target.indexOf('?')
      const pathname = q === -1 ? target : target.slice(0, q)
      const query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1))
      let allowed = false
      for (const route of this.routes) {
        const m = route.pattern.exec(pathname)
        if (m === null) continue
        if (!allowed) matched = route.path
        allowed = true
        if (route.method !== raw.method) continue
        if (!route.open && !this.authorised(raw)) throw DaemonError.unauthorised()
        const params: Record<string, string> = {}
        route.names.forEach((name, i) => { params[name] = decodeParam(name, m[i + 1]) })
        const reply = await route.handler({ method: raw.method, params, query, body: () => this.body(raw), raw, res })
        if (reply !== null) send(res, reply.status ?? 200, reply.body)
        return
      }
      if (allowed) send(res, 405, { error: { code: 'INVALID_REQUEST' satisfies DaemonErrorCode, message: `${raw.method ?? ''} is not allowed on ${pathname}` } })
      else send(res, 404, { error: { code: 'NOT_FOUND', message: `no route ${pathname}` } })
    } catch (err) {
      this.fail(res, err)
    } finally {
      this.onfinish(raw.method ?? '', matched, res.statusCode, (performance.now() - started) / 1000)
    }
  }

  private fail (res: ServerResponse, err: unknown): void {
    err = storageFailure(err) ?? err
    if (err instanceof MeshledgerError || err instanceof DaemonError) {
      if (!res.headersSent) send(res, statusOf(err.code), { error: { code: err.code, message: err.message } })
      else res.end()
      return
    }
    this.onerror(err)
    if (!res.headersSent) send(res, 500, { error: { code: 'INTERNAL' satisfies DaemonErrorCode, message: 'internal error (see the daemon log)' } })
    else res.end()
  }

  private authorised (raw: IncomingMessage): boolean {
    const header = raw.headers.authorization
    if (header === undefined) return this.session(raw)
    const m = /^Bearer (.+)$/.exec(header)
    if (m === null) return false
    const given = Buffer.from(m[1])
    return given.length === this.token.length && timingSafeEqual(given, this.token)
  }

  private async body (raw: IncomingMessage): Promise<unknown> {
    const declared = Number(raw.headers['content-length'] ?? 0)
    if (declared > this.maxBody) throw DaemonError.bodyTooLarge(this.maxBody)
    const chunks: Buffer[] = []
    let size = 0
    await new Promise<void>((resolve, reject) => {
      raw.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > this.maxBody) {
          raw.removeAllListeners('data')
          raw.resume() // drain what is left so the connection can answer
          reject(DaemonError.bodyTooLarge(this.maxBody))
          return
        }
        chunks.push(chunk)
      })
      raw.once('end', resolve)
      raw.once('error', reject)
    })
    if (size === 0) return {}
    try {
      return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown
    } catch {
      throw DaemonError.invalidRequest('the body is not JSON')
    }
  }
}

/** A path segment, percent-decoded; malformed escapes (`%E0%A4%A`) are the caller's error. */
function decodeParam (name: string, raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    throw DaemonError.invalidRequest(`the ${name} in the path is not valid percent-encoded UTF-8`)
  }
}

/** Write a JSON response. */
export function send (res: ServerResponse, status: number, body: unknown): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body)
  res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; version=0.0.4' : 'application/json', 'content-length': Buffer.byteLength(text) })
  res.end(text)
}
