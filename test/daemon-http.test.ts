/**
 * The HTTP layer's contract, as probed: JSON only (415 otherwise), unknown fields and query values
 * refused, 405 with `Allow`, the bearer scheme case-insensitive, 401 with `WWW-Authenticate`, coded
 * messages on unknown routes, bad percent-escapes a 400, times as ms or ISO 8601.
 */
import test from 'brittle'
import { normalizeKey } from '../src/keys.js'
import { tmp } from './helpers/index.js'
import { spawnDaemon } from './helpers/daemon.js'

test('HTTP: only JSON bodies; unknown fields and query values refused; nothing written', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  const length = async (): Promise<number> => (await d.api('GET', '/v1/status')).body.view.length
  const before = await length()
  const post = async (type: string, body: string): Promise<Response> =>
    await fetch(d.url + '/v1/entries', { method: 'POST', headers: { authorization: `Bearer ${d.token}`, 'content-type': type }, body })
  for (const [type, body] of [['text/plain', '{"type":"note","data":1}'], ['application/x-www-form-urlencoded', 'type=note&data=1']]) {
    const res = await post(type, body)
    const answer = await res.json() as { error?: { code: string, message: string } }
    t.is(`${res.status} ${String(answer.error?.code)}`, '415 UNSUPPORTED_MEDIA_TYPE', type)
    t.ok(String(answer.error?.message).startsWith('UNSUPPORTED_MEDIA_TYPE: '), answer.error?.message)
  }
  const extra = await d.api('POST', '/v1/entries', { type: 'note', data: 1, tpye: 'typo' })
  t.alike([extra.status, extra.body.error?.code], [400, 'INVALID_REQUEST'], 'an unknown body field')
  t.ok(String(extra.body.error?.message).includes('tpye'), 'the message names the field')
  const typo = await d.api('POST', '/v1/entries?wait=confirm', { type: 'note', data: 1 })
  t.alike([typo.status, typo.body.error?.code], [400, 'INVALID_REQUEST'], '?wait=confirm (a typo of confirmed)')
  const unknownQuery = await d.api('GET', '/v1/entries?tyep=note')
  t.alike([unknownQuery.status, unknownQuery.body.error?.code], [400, 'INVALID_REQUEST'], 'an unknown query parameter')
  t.is(await length(), before, 'nothing was written')
  const release = `/v1/members/${normalizeKey('ab'.repeat(32))}/release`
  const variants: Array<Record<string, string>> = [{ authorization: `Bearer ${d.token}` }, { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' }]
  for (const headers of variants) {
    const res = await fetch(d.url + release, { method: 'POST', headers })
    const code = ((await res.json()) as { error?: { code: string } }).error?.code
    t.alike([res.status, code], [422, 'UNKNOWN_MEMBER'], 'a write without a body: to the ledger, whatever the content type')
  }
})

test('HTTP: 405 names what is allowed; unknown routes and bad escapes are coded', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  const put = await fetch(d.url + '/v1/entries', { method: 'PUT', headers: { authorization: `Bearer ${d.token}` } })
  t.is(put.status, 405)
  t.alike(put.headers.get('allow')?.split(/,\s*/).sort(), ['GET', 'POST'])
  t.is(((await put.json()) as { error?: { code: string } }).error?.code, 'METHOD_NOT_ALLOWED')
  const unknown = await d.api('GET', '/v1/nothing')
  t.is(unknown.status, 404)
  t.is(unknown.body.error.code, 'NOT_FOUND')
  t.ok(String(unknown.body.error.message).startsWith('NOT_FOUND: '), unknown.body.error.message)
  t.is((await fetch(d.url + '/nothing')).status, 404, 'an unknown path without a token is a 404')
  const escape = await d.api('GET', '/v1/entries?type=%E0%A4%A')
  t.alike([escape.status, escape.body.error?.code], [400, 'INVALID_REQUEST'], 'a bad escape in the query')
  t.ok(String(escape.body.error?.message).startsWith('INVALID_REQUEST: '))
})

test('HTTP: the bearer scheme is case-insensitive; 401 says how to authenticate', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
    const res = await fetch(d.url + '/v1/status', { headers: { authorization: `${scheme} ${d.token}` } })
    t.is(res.status, 200, scheme)
  }
  const none = await fetch(d.url + '/v1/status')
  t.is(none.status, 401)
  t.ok(/^Bearer realm="meshledger"/.test(none.headers.get('www-authenticate') ?? ''), String(none.headers.get('www-authenticate')))
  const wrong = await fetch(d.url + '/v1/status', { headers: { authorization: 'Bearer nope' } })
  t.is(wrong.status, 401)
  t.ok((wrong.headers.get('www-authenticate') ?? '').includes('error="invalid_token"'), 'a wrong token says so (RFC 6750)')
  t.is(((await wrong.json()) as { error?: { code: string } }).error?.code, 'UNAUTHORISED')
})

test('HTTP: times are ms since the epoch or ISO 8601', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  const written = await d.api('POST', '/v1/entries', { type: 'note', data: 1 })
  const entry = (await d.api('GET', `/v1/entries/${written.body.id as string}`)).body as { timestamp: number }
  const iso = (ms: number): string => encodeURIComponent(new Date(ms).toISOString())
  const ids = async (q: string): Promise<string[]> => {
    const res = await d.api('GET', '/v1/entries?type=note&' + q)
    t.is(res.status, 200, q)
    return (res.body.entries as Array<{ id: string }>).map((e) => e.id)
  }
  t.alike(await ids(`since=${iso(entry.timestamp)}`), [written.body.id], 'since as ISO')
  t.alike(await ids(`since=${entry.timestamp}`), [written.body.id], 'since as ms')
  t.alike(await ids(`until=${iso(entry.timestamp)}`), [], 'until as ISO (exclusive)')
  t.alike(await ids(`since=${iso(entry.timestamp - 60_000)}&until=${iso(entry.timestamp + 1)}`), [written.body.id])
  const bad = await d.api('GET', '/v1/entries?since=yesterday')
  t.alike([bad.status, bad.body.error?.code], [400, 'INVALID_REQUEST'], 'a time that is neither')
})
