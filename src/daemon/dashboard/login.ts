/**
 * `GET /login?code=`: trade a one-time code for a session cookie and go to `/` (303), so the spent
 * code is all the browser's history keeps. Plain Node request/response, no router.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { PAGE_HEADERS } from './assets.js'
import type { Sessions } from './session.js'

const SPENT = `<!doctype html><meta charset="utf-8"><title>meshledger</title>
<p>This login link was used already or has expired (links last a minute and work once).
Run <code>meshledger dashboard</code> for a new one.</p>\n`

/** Answer a login link: 303 to `/` with the session cookie, or 401 with a page saying why not. */
export function login (sessions: Sessions, query: URLSearchParams, res: ServerResponse): void {
  const session = sessions.redeem(query.get('code') ?? '')
  const headers = { ...PAGE_HEADERS, 'cache-control': 'no-store' }
  if (session === null) {
    res.writeHead(401, { ...headers, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(SPENT) })
    res.end(SPENT)
    return
  }
  res.writeHead(303, { ...headers, location: '/', 'set-cookie': sessions.cookie(session), 'content-length': 0 })
  res.end()
}

/** Whether a request came with a bearer token (not a session cookie). */
export function hasBearer (raw: IncomingMessage): boolean {
  return raw.headers.authorization !== undefined
}
