/**
 * The dashboard on the API: the page itself (open: it holds no data), the login link, the session
 * cookie as one of the API's authenticators, and the few JSON endpoints the page needs that the
 * API lacks. Each route is a thin call into `assets.ts`, `login.ts`, `session.ts` and `audits.ts`.
 */
import type { FastifyReply } from 'fastify'
import { DaemonError } from '../api-errors.js'
import type { Authenticator } from '../auth.js'
import type { Ledger } from '../../ledger.js'
import { VerifyReport } from '../records.js'
import { COMMON_ERRORS, errors, integer, strict, string, type Api } from '../schemas.js'
import { asset, FILES, loadAssets, type PageAnswer } from './assets.js'
import type { LastAudit } from './audits.js'
import { login } from './login.js'
import type { Sessions } from './session.js'

/** An audit's report and when it finished (ms). */
const AuditRun = strict({ at: integer, report: VerifyReport }, ['at', 'report'], 'the last audit and when it finished')

/** The last audit, `null`s before the first. */
const LastAuditRun = strict({ at: { type: ['integer', 'null'] }, report: { anyOf: [VerifyReport, { type: 'null' }] } }, ['at', 'report'], 'the last audit (`null`s before the first)')

/** A page answer's description: `type` text. */
const text = (description: string, type: string): { description: string, content: Record<string, { schema: typeof string }> } => ({ description, content: { [type]: { schema: string } } })

/**
 * The session cookie as an authenticator: asked only for a request without an `Authorization`
 * header (a wrong bearer token is not rescued by a cookie); a write without the session's CSRF
 * token or from another origin throws `CSRF_REJECTED`.
 */
export function sessionCookie (sessions: Sessions): Authenticator {
  return (req) => req.headers.authorization === undefined && sessions.allows(req.method, req.headers)
}

/** Install the dashboard on `app`; `audits` is the last audit, which `POST /v1/verify` also records. */
export async function installDashboard (app: Api, sessions: Sessions, audits: LastAudit, ledger: () => Ledger): Promise<void> {
  const assets = await loadAssets()
  const tags = ['dashboard']
  const page = (reply: FastifyReply, { status, headers, body }: PageAnswer): FastifyReply => reply.code(status).headers(headers).send(body)
  const missing = text('the dashboard is not built', 'text/plain; charset=utf-8')

  for (const [path, { file, type }] of Object.entries(FILES)) {
    app.get(path, {
      config: { open: true },
      schema: { summary: `the dashboard's ${file} (no token)`, tags, security: [], response: { 200: text(file, type), 404: missing } }
    }, async (_req, reply) => page(reply, asset(assets, path)))
  }

  app.get('/login', {
    config: { open: true },
    schema: {
      summary: 'trade a one-time login code for the session cookie, then go to / (no token)', tags, security: [],
      querystring: strict({ code: { type: 'string', description: 'the code `POST /v1/dashboard/login` gave' } }),
      response: {
        303: { type: 'null', description: 'to `/`, with the session cookie (HttpOnly, SameSite=Strict)' },
        401: text('the code was used already, expired or is unknown', 'text/html; charset=utf-8'),
        ...errors(400)
      }
    }
  }, async (req, reply) => page(reply, login(sessions, req.query.code ?? '')))

  // Only the token's holder hands out logins: a session cannot renew itself forever.
  app.post('/v1/dashboard/login', {
    schema: {
      summary: 'a one-time login link for the dashboard (bearer token only)', tags,
      response: { 201: strict({ path: string, expires: integer }, ['path', 'expires']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req, reply) => {
    if (req.headers.authorization === undefined) throw DaemonError.unauthorised()
    const { code, expires } = sessions.issueCode()
    return reply.code(201).send({ path: `/login?code=${code}`, expires })
  })

  app.get('/v1/dashboard/session', {
    schema: { summary: 'the session\'s CSRF token (session cookie only)', tags, response: { 200: strict({ csrf: string }, ['csrf']), ...errors(...COMMON_ERRORS) } }
  }, async (req) => {
    const session = sessions.session(req.headers)
    if (session === null) throw DaemonError.unauthorised()
    return { csrf: sessions.csrf(session) }
  })

  app.get('/v1/dashboard/verify', {
    schema: { summary: 'the last whole-ledger audit (the dashboard\'s or `POST /v1/verify`)', tags, response: { 200: LastAuditRun, ...errors(...COMMON_ERRORS) } }
  }, async () => audits.last())

  app.post('/v1/dashboard/verify', {
    schema: { summary: 'run the whole-ledger audit (or join the one running)', tags, response: { 200: AuditRun, ...errors(...COMMON_ERRORS) } }
  }, async () => await audits.run(ledger()))
}
