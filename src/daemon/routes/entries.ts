/**
 * Entries: append any op, read one (its status, its receipt), query by type, writer, stream or
 * time; telemetry readings.
 */
import { MeshledgerError } from '../../errors.js'
import { Entry, Receipt, WriteResult } from '../records.js'
import { anything, array, COMMON_ERRORS, EntryIdParam, errors, Limit, Reverse, strict, string, Time, WRITE_ERRORS, WriteQuery, type Api } from '../schemas.js'
import { bounded, collect, time, written, type RouteContext } from './context.js'

/** Install the entry routes. */
export function entryRoutes (app: Api, ctx: RouteContext): void {
  const tags = ['entries']
  app.post('/v1/entries', {
    schema: {
      summary: 'append an op', tags,
      querystring: WriteQuery,
      body: strict({ type: { type: 'string', description: 'the op type, e.g. note or transfer' }, data: anything }, ['type']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => {
    const entry = await ctx.ledger().append({ type: req.body.type, data: req.body.data })
    return reply.code(201).send(await written(ctx, entry, req.query))
  })

  app.get('/v1/entries', {
    schema: {
      summary: 'entries by type, writer, stream or time (since <= timestamp < until)', tags,
      querystring: strict({
        type: string,
        writer: string,
        stream: string,
        since: Time,
        until: Time,
        limit: Limit,
        reverse: Reverse
      }),
      response: { 200: strict({ entries: array(Entry) }, ['entries']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req) => {
    const q = req.query
    const query = { type: q.type, writer: q.writer, stream: q.stream, since: time(q.since, 'since'), until: time(q.until, 'until'), reverse: q.reverse === true, limit: bounded(q.limit) }
    return { entries: await collect(ctx.ledger().query(query), q.limit) }
  })

  app.get('/v1/entries/:id', {
    schema: { summary: 'one entry', tags, params: EntryIdParam, response: { 200: Entry, ...errors(...COMMON_ERRORS, 404) } }
  }, async (req) => {
    const entry = await ctx.ledger().get(req.params.id)
    if (entry === null) throw MeshledgerError.notFound(`no entry ${req.params.id}`)
    return entry
  })

  app.get('/v1/entries/:id/status', {
    schema: { summary: 'an entry\'s status', tags, params: EntryIdParam, response: { 200: strict({ id: string, status: string }, ['id', 'status']), ...errors(...COMMON_ERRORS, 404) } }
  }, async (req) => ({ id: req.params.id, status: await ctx.ledger().status(req.params.id) }))

  app.get('/v1/entries/:id/proof', {
    schema: {
      summary: 'the entry\'s receipt', tags,
      params: EntryIdParam,
      querystring: strict({ block: { type: 'boolean', description: 'also carry the encrypted block' } }),
      response: { 200: Receipt, ...errors(...COMMON_ERRORS, 404, 409) }
    }
  }, async (req) => await ctx.ledger().proof(req.params.id, { block: req.query.block === true }))

  app.post('/v1/readings', {
    schema: {
      summary: 'record a telemetry reading', tags,
      querystring: WriteQuery,
      body: strict({ stream: string, value: anything, asset: string }, ['stream', 'value']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => {
    const entry = await ctx.ledger().record(req.body.stream, req.body.value, { asset: req.body.asset })
    return reply.code(201).send(await written(ctx, entry, req.query))
  })

  app.get('/v1/readings', {
    schema: {
      summary: 'readings of a stream', tags,
      querystring: strict({ stream: string, since: Time, until: Time, limit: Limit, reverse: Reverse }, ['stream']),
      response: { 200: strict({ readings: array(Entry) }, ['readings']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req) => {
    const q = req.query
    const readings = ctx.ledger().readings({ stream: q.stream, since: time(q.since, 'since'), until: time(q.until, 'until'), reverse: q.reverse === true })
    return { readings: await collect(readings, q.limit) }
  })
}
