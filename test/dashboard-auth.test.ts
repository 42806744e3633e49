/**
 * The dashboard's auth: a one-time login link buys an HttpOnly, SameSite=Strict session cookie;
 * writes made with it need the session's CSRF token and this origin; the bearer-token API is
 * unchanged, and the token never reaches the page.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import test from 'brittle'
import { EXIT } from '../src/cli/constants.js'
import { CSRF_HEADER, LOGIN_CODE_TTL_MS, SESSION_TTL_MS, Sessions } from '../src/daemon/dashboard/session.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { loginLink, openLink } from './helpers/dashboard.js'
import { tmp } from './helpers/index.js'

test('dashboard login: the link works once, the cookie is HttpOnly and SameSite=Strict, writes need the CSRF token and origin', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data)
  const link = await loginLink(data)
  t.ok(link.startsWith(d.url + '/login?code='), 'meshledger dashboard prints a link to this daemon')
  t.absent(link.includes(d.token), 'the link does not carry the API token')

  const first = await openLink(link)
  t.is(first.status, 303, 'the code is traded for a session')
  t.is(first.location, '/', 'and the browser is sent to the page, leaving the code behind')
  const flags = first.setCookie.split(';').map((x) => x.trim())
  t.ok(flags.includes('HttpOnly'), 'HttpOnly')
  t.ok(flags.includes('SameSite=Strict'), 'SameSite=Strict')
  t.ok(flags.includes('Path=/'), 'Path=/')
  t.is((await openLink(link)).status, 401, 'the same link a second time: refused')
  t.is((await openLink(d.url + '/login?code=made-up')).status, 401, 'an unknown code: refused')

  const cookie = first.setCookie.split(';')[0]
  const asPage = async (method: string, route: string, headers: Record<string, string> = {}): Promise<{ status: number, body: any }> => {
    const res = await fetch(d.url + route, { method, headers: { cookie, 'content-type': 'application/json', ...headers }, body: method === 'GET' ? undefined : '{}' })
    return { status: res.status, body: await res.json() }
  }
  t.is((await asPage('GET', '/v1/status')).status, 200, 'the cookie reads the API')
  const { csrf } = (await asPage('GET', '/v1/dashboard/session')).body
  t.is(typeof csrf, 'string')
  const invites = async (): Promise<number> => (await d.api('GET', '/v1/invites')).body.invites.length

  const bare = await asPage('POST', '/v1/invites', { origin: d.url })
  t.alike([bare.status, bare.body.error?.code], [403, 'CSRF_REJECTED'], 'a write without the CSRF token is refused')
  const wrong = await asPage('POST', '/v1/invites', { origin: d.url, [CSRF_HEADER]: csrf.slice(1) + 'x' })
  t.alike([wrong.status, wrong.body.error?.code], [403, 'CSRF_REJECTED'], 'a wrong CSRF token is refused')
  const elsewhere = await asPage('POST', '/v1/invites', { origin: 'http://evil.example', [CSRF_HEADER]: csrf })
  t.alike([elsewhere.status, elsewhere.body.error?.code], [403, 'CSRF_REJECTED'], 'a write from another origin is refused')
  const noOrigin = await asPage('POST', '/v1/invites', { [CSRF_HEADER]: csrf })
  t.is(noOrigin.status, 403, 'a write with no Origin is refused')
  t.is(await invites(), 0, 'the refused writes wrote nothing')
  const made = await asPage('POST', '/v1/invites', { origin: d.url, [CSRF_HEADER]: csrf })
  t.is(made.status, 201, 'with the token, from this origin: written')
  t.is(await invites(), 1)
  t.is((await asPage('POST', '/v1/dashboard/login', { origin: d.url, [CSRF_HEADER]: csrf })).status, 401, 'a session cannot mint login links: only the token holder can')

  t.is((await fetch(d.url + '/v1/status')).status, 401, 'the API without a bearer token or session: 401')
  t.is((await fetch(d.url + '/v1/status', { headers: { cookie: cookie.slice(0, -2) + 'xx' } })).status, 401, 'a tampered cookie: 401')
  t.is((await d.api('GET', '/v1/status', undefined, 'wrong')).status, 401, 'a wrong bearer token: 401')
  t.is((await d.api('GET', '/v1/status')).status, 200, 'the bearer-token API is unchanged')
  t.is((await d.api('POST', '/v1/entries', { type: 'note' })).status, 201, 'bearer writes need no CSRF token')

  const page = await fetch(d.url + '/')
  const html = await page.text()
  t.is(page.status, 200, 'the page itself is open: it holds no data')
  t.ok(page.headers.get('content-security-policy')?.includes("default-src 'none'"), 'with a CSP that allows nothing from elsewhere')
  const js = await (await fetch(d.url + '/app.js')).text()
  t.absent(html.includes(d.token) || js.includes(d.token), 'the API token is not in the page')
  t.absent(d.log.some((e) => JSON.stringify(e).includes(d.token)), 'nor in the log')
})

test('dashboard sessions: codes expire after a minute, sessions after 12 h; another token signs other sessions', (t) => {
  let now = 1_000_000
  const sessions = new Sessions('a'.repeat(64), { now: () => now })
  const headers = (session: string): { cookie: string } => ({ cookie: `other=1; ${sessions.cookie(session).split(';')[0]}` })

  const late = sessions.issueCode().code
  now += LOGIN_CODE_TTL_MS + 1
  t.is(sessions.redeem(late), null, 'a code past its minute buys nothing')

  const session = sessions.redeem(sessions.issueCode().code)
  if (session === null) throw new Error('a fresh code buys a session')
  t.is(sessions.session(headers(session)), session, 'the cookie names the session')
  t.ok(sessions.allows('GET', headers(session)), 'reads need only the cookie')
  t.is(new Sessions('b'.repeat(64), { now: () => now }).session(headers(session)), null, 'a new API token ends every session')
  now += SESSION_TTL_MS + 1
  t.is(sessions.session(headers(session)), null, 'after 12 hours the session is over')
  t.absent(sessions.allows('POST', headers(session)), 'and writes are not allowed either')
})

test('meshledger dashboard without a running daemon: exit 5, no link', async (t) => {
  const data = await tmp(t)
  await promisify(execFile)(process.execPath, [BIN, 'init', '--data', data])
  const failed = await promisify(execFile)(process.execPath, [BIN, 'dashboard', '--data', data]).then(() => null, (err: { code: number, stdout: string, stderr: string }) => err)
  t.is(failed?.code, EXIT.unreachable, 'a link to an in-process API would die with the command')
  t.is(failed?.stdout, '')
  t.ok(failed?.stderr.includes('DAEMON_UNREACHABLE'))
})
