/**
 * Browser sessions of the dashboard, framework-neutral (headers in, a verdict out).
 *
 * `meshledger dashboard` asks the API (with the bearer token) for a login code: random, single
 * use, valid for {@link LOGIN_CODE_TTL_MS}, kept in memory only. The browser trades it at
 * `GET /login?code=` for a session cookie and is redirected to `/`, so the code, spent, is all
 * its history keeps. The cookie is HttpOnly, SameSite=Strict, Path=/ and stateless: an expiry and
 * a nonce signed with a key derived from the API token, so sessions outlive a daemon restart and
 * a new token ends them all. Writes made with the cookie also need the session's CSRF token in
 * {@link CSRF_HEADER} and an `Origin` naming this host; the bearer-token API is unchanged.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { DaemonError } from '../api-errors.js'

/** How long a login code can be traded for a session. */
export const LOGIN_CODE_TTL_MS = 60_000
/** How long a session lasts. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000
/** The session cookie's name. */
export const COOKIE = 'meshledger_session'
/** The request header that carries the CSRF token on writes. */
export const CSRF_HEADER = 'x-meshledger-csrf'
/** Login codes outstanding at once; the oldest is dropped past it. */
const MAX_CODES = 16
const SAFE_METHODS = new Set(['GET', 'HEAD'])

/** One-time login codes and the signed sessions they buy. */
export class Sessions {
  private readonly key: Buffer
  private readonly codes = new Map<string, number>()
  private readonly now: () => number

  /** `token` is the API token; the signing key is derived from it and never leaves this object. */
  constructor (token: string, { now = Date.now }: { now?: () => number } = {}) {
    this.key = createHmac('sha256', token).update('meshledger dashboard session v1').digest()
    this.now = now
  }

  /** A new single-use login code and when it expires. */
  issueCode (): { code: string, expires: number } {
    this.sweep()
    while (this.codes.size >= MAX_CODES) this.codes.delete(this.codes.keys().next().value as string)
    const code = randomBytes(24).toString('base64url')
    const expires = this.now() + LOGIN_CODE_TTL_MS
    this.codes.set(code, expires)
    return { code, expires }
  }

  /** Spend a login code: a new session's cookie value, or null if the code is unknown, spent or expired. */
  redeem (code: string): string | null {
    const expires = this.codes.get(code)
    this.codes.delete(code)
    if (expires === undefined || expires < this.now()) return null
    const until = this.now() + SESSION_TTL_MS
    const body = `${until}.${randomBytes(16).toString('base64url')}`
    return `${body}.${this.mac('session ' + body)}`
  }

  /** The `Set-Cookie` value for a session. */
  cookie (session: string): string {
    return `${COOKIE}=${session}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_TTL_MS / 1000}`
  }

  /** The session a request's cookie holds, if it is genuine and not expired; else null. */
  session (headers: IncomingHttpHeaders): string | null {
    const value = cookieValue(headers.cookie, COOKIE)
    if (value === null) return null
    const m = /^(\d+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/.exec(value)
    if (m === null || Number(m[1]) < this.now()) return null
    return equal(m[3], this.mac(`session ${m[1]}.${m[2]}`)) ? value : null
  }

  /** The CSRF token of a session: the page reads it from `/v1/dashboard/session`. */
  csrf (session: string): string {
    return this.mac('csrf ' + session)
  }

  /**
   * Whether a request without a bearer token may go on as the session its cookie holds: false if
   * it has none. A write (any method but GET/HEAD) without this session's CSRF token, or from
   * another origin, is refused with `CSRF_REJECTED`.
   */
  allows (method: string, headers: IncomingHttpHeaders): boolean {
    const session = this.session(headers)
    if (session === null) return false
    if (SAFE_METHODS.has(method)) return true
    const given = headers[CSRF_HEADER]
    if (typeof given !== 'string' || !equal(given, this.csrf(session))) throw DaemonError.csrfRejected(`a write from the dashboard needs the session's ${CSRF_HEADER} header`)
    if (!sameOrigin(headers)) throw DaemonError.csrfRejected('a write from the dashboard must come from its own origin')
    return true
  }

  private mac (text: string): string {
    return createHmac('sha256', this.key).update(text).digest('base64url')
  }

  private sweep (): void {
    const now = this.now()
    for (const [code, expires] of this.codes) if (expires < now) this.codes.delete(code)
  }
}

/** `Origin` present and naming the host the request was sent to (any scheme: a TLS proxy may sit in front). */
function sameOrigin (headers: IncomingHttpHeaders): boolean {
  const origin = headers.origin
  if (typeof origin !== 'string' || headers.host === undefined) return false
  try {
    return new URL(origin).host === headers.host
  } catch {
    return false
  }
}

function cookieValue (header: string | undefined, name: string): string | null {
  if (header === undefined) return null
  for (const part of header.split(';')) {
    const eq = part.indexOf('=')
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim()
  }
  return null
}

function equal (a: string, b: string): boolean {
  const x = Buffer.from(a)
  const y = Buffer.from(b)
  return x.length === y.length && timingSafeEqual(x, y)
}
