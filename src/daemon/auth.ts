/**
 * Who may call the API. A route is open (`config: { open: true }`: `/healthz`, the API
 * description) or needs one of the daemon's authenticators to accept the request; the bearer
 * token is the first, and another front end (a dashboard's session cookie) adds its own to the
 * list. A refusal is `401 UNAUTHORISED` with `WWW-Authenticate: Bearer` (RFC 6750).
 */
import { timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { DaemonError } from './api-errors.js'

/** Whether `req` is authenticated; only the first that says yes is asked. */
export type Authenticator = (req: FastifyRequest) => boolean

declare module 'fastify' {
  /** Settings routes carry in `config`. */
  interface FastifyContextConfig {
    /** No authentication needed. */
    open?: boolean
    /** One of the 405 routes (allow.ts). */
    methodNotAllowed?: boolean
  }
}

const REALM = 'meshledger'

/**
 * `Authorization: Bearer <token>`, the scheme in any case (RFC 9110 11.1), the token compared in
 * constant time.
 */
export function bearer (token: string): Authenticator {
  const expected = Buffer.from(token)
  return (req) => {
    const given = credentials(req)
    if (given === null) return false
    const bytes = Buffer.from(given)
    return bytes.length === expected.length && timingSafeEqual(bytes, expected)
  }
}

/** The token of a Bearer `Authorization` header, or null. */
function credentials (req: FastifyRequest): string | null {
  const m = /^bearer +(\S+) *$/i.exec(req.headers.authorization ?? '')
  return m === null ? null : m[1] as string
}

/**
 * The `onRequest` hook: open routes and unknown paths (a 404 tells nothing) pass; any other
 * request needs one authenticator to accept it.
 */
export function authenticate (authenticators: Authenticator[]): (req: FastifyRequest, reply: FastifyReply) => Promise<void> {
  return async (req, reply) => {
    if (req.is404 || req.routeOptions.config.open === true) return
    if (authenticators.some((ok) => ok(req))) return
    // RFC 6750 3.1: say that a token was given and refused, not just that one is needed.
    const refused = credentials(req) !== null ? ', error="invalid_token"' : ''
    void reply.header('www-authenticate', `Bearer realm="${REALM}"${refused}`)
    throw DaemonError.unauthorised()
  }
}
