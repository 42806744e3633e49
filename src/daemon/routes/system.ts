/**
 * The device and the daemon: liveness and readiness, metrics, status, peers, the protocol, and
 * the whole-ledger audit.
 */
import { Health, LedgerStatus, Peers, Protocol, VerifyReport, WriteResult } from '../records.js'
import { COMMON_ERRORS, errors, integer, strict, string, WriteQuery, type Api } from '../schemas.js'
import { written, type RouteContext } from './context.js'

/** The Prometheus text format's content type. */
const PROMETHEUS = 'text/plain; version=0.0.4'

/** Install the system routes. */
export function systemRoutes (app: Api, ctx: RouteContext): void {
  const tags = ['device']
  // 503 while the ledger is down (storage full, reopening): a load balancer or probe stops sending.
  // `pid` lets a local program tell this daemon from whatever a stale daemon.json points at.
  app.get('/healthz', {
    config: { open: true },
    schema: { summary: 'liveness and readiness (no token)', tags, security: [], response: { 200: Health, 503: Health } }
  }, async (_req, reply) => {
    const { ready, error } = await ctx.health()
    const body = { ok: true as const, ready, pid: process.pid, ...(error === null ? {} : { error: { code: error.code, message: error.message } }) }
    return reply.code(ready ? 200 : 503).send(body)
  })

  app.get('/metrics', {
    schema: { summary: 'Prometheus metrics', tags, response: { 200: { description: 'the Prometheus text format', content: { [PROMETHEUS]: { schema: string } } }, ...errors(...COMMON_ERRORS) } }
  }, async (_req, reply) => reply.type(PROMETHEUS).send(await ctx.metrics.render()))

  app.get('/v1/status', {
    schema: { summary: 'keys, lengths, peers, per-writer lag, the view check', tags, response: { 200: LedgerStatus, ...errors(...COMMON_ERRORS) } }
  }, async () => {
    const ledger = ctx.ledger()
    return {
      ledger: ledger.key,
      device: ledger.deviceKey,
      mode: ledger.mode,
      writable: ledger.writable,
      indexer: ledger.isIndexer,
      hash: await ledger.hash(),
      protocol: await ledger.protocol(),
      ...ledger.stats,
      peers: ledger.peers(),
      viewCheck: ledger.viewCheck(),
      ...ctx.facts()
    }
  })

  app.get('/v1/peers', {
    schema: { summary: 'connected peers and per-writer sync lag', tags, response: { 200: Peers, ...errors(...COMMON_ERRORS) } }
  }, async () => ({ peers: ctx.ledger().peers(), writers: ctx.ledger().stats.writers }))

  // The audit's verdict is in the report (`ok`, `problems`): 200 whatever it found. It is kept
  // as the last audit, which the dashboard shows.
  app.post('/v1/verify', {
    schema: { summary: 'the whole-ledger audit', tags, response: { 200: VerifyReport, ...errors(...COMMON_ERRORS) } }
  }, async () => (await ctx.audits.run(ctx.ledger())).report)

  app.get('/v1/protocol', {
    schema: { summary: 'the active protocol', tags, response: { 200: Protocol, ...errors(...COMMON_ERRORS) } }
  }, async () => await ctx.ledger().protocol())

  app.post('/v1/protocol', {
    schema: {
      summary: 'activate a protocol (indexers only)', tags,
      querystring: WriteQuery,
      body: strict({ version: integer }, ['version']),
      response: { 201: WriteResult, ...errors(...COMMON_ERRORS, 403, 409, 415, 504) }
    }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().activateProtocol(req.body.version), req.query)))
}
