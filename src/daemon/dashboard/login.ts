/**
 * `GET /login?code=`: trade a one-time code for a session cookie and go to `/` (303), so the spent
 * code is all the browser's history keeps.
 */
import { PAGE_HEADERS, type PageAnswer } from './assets.js'
import type { Sessions } from './session.js'

const SPENT = `<!doctype html><meta charset="utf-8"><title>meshledger</title>
<p>This login link was used already or has expired (links last a minute and work once).
Run <code>meshledger dashboard</code> for a new one.</p>\n`

/** The answer to a login link: 303 to `/` with the session cookie, or 401 with a page saying why not. */
export function login (sessions: Sessions, code: string): PageAnswer {
  const session = sessions.redeem(code)
  const headers = { ...PAGE_HEADERS, 'cache-control': 'no-store' }
  if (session === null) return { status: 401, headers: { ...headers, 'content-type': 'text/html; charset=utf-8' }, body: SPENT }
  return { status: 303, headers: { ...headers, location: '/', 'set-cookie': sessions.cookie(session) }, body: '' }
}
