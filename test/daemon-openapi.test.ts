/**
 * `/v1/openapi.json` is generated from the routes' own schemas: it is valid OpenAPI 3.1 (checked
 * by a maintained validator), names every route the daemon serves, and what the routes answer
 * matches the schemas it states.
 */
import { Validator } from '@seriousme/openapi-schema-validator'
import { Ajv2020 } from 'ajv/dist/2020.js'
import test from 'brittle'
import { resolveConfig } from '../src/daemon/config.js'
import { Daemon } from '../src/daemon/daemon.js'
import { Logger } from '../src/daemon/logger.js'
import { tmp } from './helpers/index.js'

interface Operation { security?: unknown[], responses: Record<string, { content?: Record<string, { schema: object }> }> }
type Doc = { openapi: string, paths: Record<string, Record<string, Operation>> }

test('the API description: valid OpenAPI 3.1, every route in it, answers match it', async (t) => {
  const data = await tmp(t)
  const config = await resolveConfig({ data }, {}, data)
  const daemon = new Daemon({ ...config, offline: true, port: 0, host: '127.0.0.1' }, new Logger('error', { json: true, out: process.stderr }), { advertise: false })
  t.teardown(() => daemon.close())
  await daemon.ready()

  const res = await fetch(daemon.url + '/v1/openapi.json')
  t.is(res.status, 200, 'no token needed')
  const doc = await res.json() as Doc
  t.is(doc.openapi, '3.1.0')
  const validator = new Validator()
  const result = await validator.validate(doc as unknown as Parameters<Validator['validate']>[0])
  t.ok(result.valid, JSON.stringify(result.errors ?? []).slice(0, 2000))
  t.is(validator.version, '3.1')

  const routes = daemon.routes
  t.ok(routes.length >= 35, `${routes.length} routes`)
  const missing = routes.filter(({ method, url }) => doc.paths[url.replace(/:([A-Za-z]+)/g, '{$1}')]?.[method.toLowerCase()] === undefined)
  t.alike(missing, [], 'every route is described')
  t.alike(doc.paths['/healthz']?.get?.security, [], '/healthz needs no token, and says so')

  const ajv = new Ajv2020({ strict: false })
  const api = async (method: string, path: string, body?: unknown): Promise<{ status: number, body: unknown }> => {
    const r = await fetch(daemon.url + path, { method, headers: { authorization: `Bearer ${daemon.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) }, body: body === undefined ? undefined : JSON.stringify(body) })
    return { status: r.status, body: await r.json() }
  }
  const checked: string[] = []
  const check = async (method: string, path: string, pattern: string, body?: unknown): Promise<unknown> => {
    const answer = await api(method, path, body)
    const schema = doc.paths[pattern]?.[method.toLowerCase()]?.responses[String(answer.status)]?.content?.['application/json']?.schema
    t.ok(schema !== undefined, `${method} ${pattern} describes ${answer.status}`)
    const valid = ajv.validate(schema ?? false, answer.body)
    t.ok(valid, `${method} ${path} ${answer.status} matches its schema ${JSON.stringify(ajv.errors ?? [])}`)
    checked.push(`${method} ${pattern}`)
    return answer.body
  }
  const written = await check('POST', '/v1/entries?wait=confirmed', '/v1/entries', { type: 'note', data: { text: 'hi' } }) as { id: string }
  await check('GET', `/v1/entries/${written.id}`, '/v1/entries/{id}')
  await check('GET', `/v1/entries/${written.id}/status`, '/v1/entries/{id}/status')
  await check('GET', '/v1/entries?type=note', '/v1/entries')
  await check('GET', '/v1/entries/nope.1.0', '/v1/entries/{id}')
  await check('POST', '/v1/entries', '/v1/entries', { type: 'note', extra: 1 })
  const status = await check('GET', '/v1/status', '/v1/status') as { device: string }
  await check('POST', '/v1/mint', '/v1/mint', { to: status.device, amount: 5 })
  await check('GET', `/v1/balances/${status.device}`, '/v1/balances/{account}')
  await check('GET', '/v1/transfers', '/v1/transfers')
  await check('POST', '/v1/assets', '/v1/assets', { id: 'A-1', kind: 'box' })
  await check('GET', '/v1/assets/A-1', '/v1/assets/{id}')
  await check('GET', '/v1/assets/A-1/history', '/v1/assets/{id}/history')
  await check('GET', '/v1/assets', '/v1/assets')
  await check('POST', '/v1/rules', '/v1/rules', { id: 'r', when: { type: 'note' }, then: [{ do: 'alert', message: 'n' }] })
  await check('GET', '/v1/rules', '/v1/rules')
  await check('GET', '/v1/alerts', '/v1/alerts')
  await check('POST', '/v1/invites', '/v1/invites', {})
  await check('GET', '/v1/invites', '/v1/invites')
  for (const path of ['/v1/peers', '/v1/members', '/v1/protocol', '/v1/supply', '/v1/forks', '/healthz']) await check('GET', path, path)
  await check('GET', `/v1/entries/${written.id}/proof`, '/v1/entries/{id}/proof')
  t.alike(await check('GET', '/v1/dashboard/verify', '/v1/dashboard/verify'), { at: null, report: null }, 'no audit yet')
  const report = await check('POST', '/v1/verify', '/v1/verify')
  const last = await check('GET', '/v1/dashboard/verify', '/v1/dashboard/verify') as { report: unknown }
  t.alike(last.report, report, 'the audit POST /v1/verify ran is the one the dashboard shows')
  await check('POST', '/v1/dashboard/verify', '/v1/dashboard/verify')
  await check('POST', '/v1/dashboard/login', '/v1/dashboard/login')
  await check('GET', '/v1/dashboard/session', '/v1/dashboard/session')
  t.comment(`${checked.length} answers checked against their schemas`)
})
