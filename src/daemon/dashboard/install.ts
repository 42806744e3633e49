/**
 * The dashboard's routes on the daemon's router: the page itself (open: it holds no data), the
 * login link, and the few JSON endpoints the page needs that the API lacks. Everything here is a
 * thin call into `assets.ts`, `login.ts`, `session.ts` and `audits.ts`, so another router can
 * take the same calls.
 */
import { DaemonError } from '../api-errors.js'
import type { Router } from '../http.js'
import type { Ledger } from '../../ledger.js'
import { ASSET_PATHS, loadAssets, serveAsset } from './assets.js'
import { LastAudit } from './audits.js'
import { hasBearer, login } from './login.js'
import type { Sessions } from './session.js'

/** Install the dashboard on `router`; `sessions` is also the router's cookie check. */
export async function installDashboard (router: Router, sessions: Sessions, ledger: () => Ledger): Promise<void> {
  const assets = await loadAssets()
  const audits = new LastAudit()
  for (const path of ASSET_PATHS) {
    router.add('GET', path, async (req) => { serveAsset(assets, path, req.res); return null }, { open: true })
  }
  router.add('GET', '/login', async (req) => { login(sessions, req.query, req.res); return null }, { open: true })

  // Only the token's holder hands out logins: a session cannot renew itself forever.
  router.add('POST', '/v1/dashboard/login', async (req) => {
    if (!hasBearer(req.raw)) throw DaemonError.unauthorised()
    const { code, expires } = sessions.issueCode()
    return { status: 201, body: { path: `/login?code=${code}`, expires } }
  })
  router.add('GET', '/v1/dashboard/session', async (req) => {
    const session = sessions.session(req.raw.headers)
    if (session === null) throw DaemonError.unauthorised()
    return { body: { csrf: sessions.csrf(session) } }
  })
  router.add('GET', '/v1/dashboard/verify', async () => ({ body: audits.last() }))
  router.add('POST', '/v1/dashboard/verify', async () => ({ body: await audits.run(ledger()) }))
}
