/**
 * The dashboard in a real browser: Debian's chromium driven by playwright-core, against the real
 * daemon on port 0 with a second device (a library ledger on a loopback DHT testnet) writing.
 * Signs in through the one-time link, creates an invite (its QR code drawn) with which the second
 * device joins, then sees that peer, its entry applied and then confirmed, and the stream coming back after the daemon restarts. Saves a screenshot
 * to test-artifacts/dashboard.png. Skips, saying why, where chromium is not installed.
 */
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { chromium, type Page } from 'playwright-core'
import { join, normalizeKey, type Ledger, type SwarmKey } from '../src/index.js'
import { launchDaemon, spawnDaemon } from './helpers/daemon.js'
import { loginLink } from './helpers/dashboard.js'
import { testnet, tmp, until } from './helpers/index.js'

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium'
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname
const missing = !existsSync(CHROMIUM)
if (missing) console.log(`# dashboard browser test skipped: no chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM=/path)`)

function swarmKey (ledger: Ledger): SwarmKey {
  if (ledger.swarm === null) throw new Error('offline ledger')
  return normalizeKey<SwarmKey>(ledger.swarm.keyPair.publicKey)
}

/** Resolves once `selector` matches an element in the page. */
async function shows (page: Page, selector: string): Promise<void> {
  await page.locator(selector).first().waitFor({ state: 'attached', timeout: 60_000 })
}

test('dashboard in chromium: the peer, an entry turning confirmed, an invite QR code, assets, the audit, back after a restart', { skip: missing }, async (t) => {
  const net = await testnet(t)
  const bootstrap = (net.bootstrap ?? []).map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(',')
  const data = await tmp(t)
  const d = await spawnDaemon(t, data, ['--bootstrap', bootstrap, '--dht-host', '127.0.0.1', '--no-lan', '--ack-interval', '50'], { offline: false })
  const status = (await d.api('GET', '/v1/status')).body

  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-background-networking'] })
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } })
  const offsite: string[] = []
  page.on('request', (req) => { if (!req.url().startsWith(d.url)) offsite.push(req.url()) })

  await page.goto(await loginLink(data))
  t.is(page.url(), d.url + '/', 'the login link lands on the page, the code gone from the address')
  const [cookie] = await page.context().cookies()
  t.alike([cookie.httpOnly, cookie.sameSite], [true, 'Strict'], 'the session cookie is HttpOnly and SameSite=Strict')
  await shows(page, '#connection.live')
  t.is(await page.locator('#ledger-key').textContent(), status.ledger, 'the device card shows the ledger key')

  await page.click('#invite-create')
  await shows(page, '#invite-new svg.qr path')
  const code = await page.locator('#invite-code').textContent()
  const invites = (await d.api('GET', '/v1/invites')).body.invites
  t.is(invites.length, 1, 'the button created an invite')
  t.ok(/^[a-z0-9]{20,}$/.test(code ?? ''), 'its code is shown')
  t.ok(Number(await page.locator('#invite-new svg.qr').getAttribute('data-modules')) >= 21, 'with a QR code drawn')

  // The second device joins with the code the page shows; the daemon admits it as a writer.
  const writer = await join(code ?? '', { storage: await tmp(t), ...net, ackInterval: 50, timeout: 30_000 })
  t.teardown(() => writer.close())
  await until([writer], () => writer.writable)

  await shows(page, `#peers tr[data-peer="${swarmKey(writer)}"][data-via="dht"]`)
  t.pass('the page shows the second device as a peer, via dht')

  const entry = await writer.append({ type: 'note', data: { text: 'from the second device' } })
  const row = `#entries tr[data-id="${entry.id}"]`
  await shows(page, row)
  t.pass('the entry appears')
  await shows(page, `${row}[data-status="confirmed"]`)
  const history = (await page.locator(row).getAttribute('data-history'))?.split(' ')
  t.is(history?.[0], 'applied', 'it appeared applied')
  t.is(history?.at(-1), 'confirmed', 'and turned confirmed')

  t.is((await d.api('POST', '/v1/assets', { id: 'truck-7', kind: 'vehicle' })).status, 201)
  await page.click('#assets tr[data-asset="truck-7"]')
  await shows(page, '#asset-history td')
  t.ok((await page.locator('#asset-history').textContent())?.includes('register'), 'a click on an asset shows its history')
  await page.click('#verify-run')
  await shows(page, '#verify-verdict.ok')
  t.pass('the audit run from the page reports the ledger sound')

  await mkdir(ARTIFACTS, { recursive: true })
  const shot = path.join(ARTIFACTS, 'dashboard.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.comment(`screenshot: ${shot}`)
  t.absent((await page.content()).includes(d.token), 'the API token is nowhere in the page')

  // The daemon restarts on the same port: the stream comes back, the session still holds.
  const port = new URL(d.url).port
  await d.stop()
  await shows(page, '#connection.reconnecting')
  const again = await launchDaemon(data, ['--offline', '--port', port])
  t.teardown(() => again.stop())
  await shows(page, '#connection.live')
  const after = await again.api('POST', '/v1/entries', { type: 'note', data: { text: 'after the restart' } })
  await shows(page, `#entries tr[data-id="${after.body.id as string}"]`)
  t.pass('after a restart the page follows the stream again')
  t.alike(offsite, [], 'the page fetched nothing from anywhere else')
})
