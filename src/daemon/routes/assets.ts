/**
 * Assets (register, hand over, record events, provenance) and the rules and alerts about them.
 */
import { MeshledgerError } from '../../errors.js'
import type { Rule as RuleInput } from '../../apply/rules.js'
import { Alert, Asset, AssetStep, Rule, WriteResult } from '../records.js'
import { anything, array, COMMON_ERRORS, errors, IdParam, Limit, open, strict, string, Time, WRITE_ERRORS, WriteQuery, type Api } from '../schemas.js'
import { collect, MAX_LIMIT, time, written, type RouteContext } from './context.js'

/** Install the asset, rule and alert routes. */
export function assetRoutes (app: Api, ctx: RouteContext): void {
  const tags = ['assets']
  app.get('/v1/assets', {
    schema: {
      summary: 'assets by owner, kind or status', tags,
      querystring: strict({ owner: string, kind: string, status: string, limit: Limit }),
      response: { 200: strict({ assets: array(Asset) }, ['assets']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req) => ({ assets: await collect(ctx.ledger().assets({ owner: req.query.owner, kind: req.query.kind, status: req.query.status }), req.query.limit) }))

  app.get('/v1/assets/:id', {
    schema: { summary: 'one asset', tags, params: IdParam, response: { 200: Asset, ...errors(...COMMON_ERRORS, 404) } }
  }, async (req) => {
    const asset = await ctx.ledger().asset(req.params.id)
    if (asset === null) throw MeshledgerError.notFound(`no asset ${req.params.id}`)
    return asset
  })

  app.get('/v1/assets/:id/history', {
    schema: { summary: 'an asset\'s provenance', tags, params: IdParam, response: { 200: strict({ history: array(AssetStep) }, ['history']), ...errors(...COMMON_ERRORS) } }
  }, async (req) => ({ history: await ctx.ledger().assetHistory(req.params.id) }))

  app.post('/v1/assets', {
    schema: {
      summary: 'register an asset', tags,
      querystring: WriteQuery,
      body: strict({ id: string, kind: string, attributes: { type: 'object', additionalProperties: true } }, ['id', 'kind']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().registerAsset(req.body.id, req.body.kind, { attributes: req.body.attributes }), req.query)))

  app.post('/v1/assets/:id/transfer', {
    schema: { summary: 'hand an asset over', tags, params: IdParam, querystring: WriteQuery, body: strict({ to: string }, ['to']), response: { 201: WriteResult, ...WRITE_ERRORS } }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().transferAsset(req.params.id, req.body.to), req.query)))

  app.post('/v1/assets/:id/events', {
    schema: {
      summary: 'record an event of an asset', tags,
      params: IdParam,
      querystring: WriteQuery,
      body: strict({ kind: string, data: anything }, ['kind']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().assetEvent(req.params.id, req.body.kind, { data: req.body.data }), req.query)))

  const rules = ['rules']
  app.get('/v1/rules', {
    schema: { summary: 'the ledger\'s rules', tags: rules, response: { 200: strict({ rules: array(Rule) }, ['rules']), ...errors(...COMMON_ERRORS) } }
  }, async () => ({ rules: await collect(ctx.ledger().rules(), MAX_LIMIT) }))

  // The rule's shape is checked where every rule is, on the op's path (INVALID_ENTRY): the
  // schema only says it is an object.
  app.post('/v1/rules', {
    schema: {
      summary: 'add a rule `{ id, when, then, on? }` (see the README\'s Rules)', tags: rules,
      querystring: WriteQuery,
      body: open({}, [], 'a rule; its fields are checked by the ledger (INVALID_ENTRY)'),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().addRule(req.body as unknown as RuleInput), req.query)))

  app.delete('/v1/rules/:id', {
    schema: { summary: 'remove a rule', tags: rules, params: IdParam, querystring: WriteQuery, response: { 201: WriteResult, ...WRITE_ERRORS } }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().removeRule(req.params.id), req.query)))

  app.get('/v1/alerts', {
    schema: {
      summary: 'alerts rules raised', tags: rules,
      querystring: strict({ since: Time, until: Time, limit: Limit }),
      response: { 200: strict({ alerts: array(Alert) }, ['alerts']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req) => ({ alerts: await collect(ctx.ledger().alerts({ since: time(req.query.since, 'since'), until: time(req.query.until, 'until') }), req.query.limit) }))
}
