/**
 * The HTTP layer of the local API, on fastify: JSON bodies only (415 otherwise), bounded by the
 * daemon's body limit; requests validated against their route's schemas (validation.ts); auth by
 * the daemon's authenticators (auth.ts); every error answered as `{ error: { code, message } }`
 * with the status api-errors.ts gives its code; 405 with `Allow`; the API described at
 * `/v1/openapi.json` from the same schemas. Replies are written with `JSON.stringify`, so a
 * schema describes a record but never drops or coerces what the ledger returned.
 */
import Fastify, { type FastifyError, type FastifyReply, type FastifyServerOptions } from 'fastify'
import { MeshledgerError } from '../errors.js'
import { storageFailure } from '../replica/storage-errors.js'
import { DaemonError, statusOf } from './api-errors.js'
import { authenticate, type Authenticator } from './auth.js'
import { answerOtherMethods, trackMethods } from './allow.js'
import { openapiRoute, recordRoutes } from './openapi.js'
import type { Api, SchemaProvider } from './schemas.js'
import { validationError, validatorCompiler } from './validation.js'

type ValidatorFactory = NonNullable<NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']>

/** One answered request, as the `onResponse` hook sees it. */
export interface RequestRecord {
  method: string
  /** The route's pattern (`/v1/entries/:id`), or `unmatched` for an unknown path: never the path itself. */
  route: string
  status: number
  ms: number
}

/** Options of {@link createApi}. */
export interface ApiOptions {
  /** Largest request body, in bytes (`BODY_TOO_LARGE` above). */
  maxBody: number
  /** Who may call routes that are not open; the bearer token first. */
  authenticators: Authenticator[]
  /** An error that is not the caller's (a bug): answered 500 `INTERNAL`, given here to log. */
  onerror: (err: unknown) => void
  /** Every answered request: the one place to observe them (access log, request metrics). */
  onresponse: (record: RequestRecord) => void
}

/** The fastify instance with the API's plumbing; add routes, then {@link finishApi}. */
export async function createApi ({ maxBody, authenticators, onerror, onresponse }: ApiOptions): Promise<Api> {
  const app = Fastify({
    logger: false,
    bodyLimit: maxBody,
    exposeHeadRoutes: false,
    keepAliveTimeout: 30_000,
    forceCloseConnections: 'idle',
    // While closing, a request on a kept-alive connection is still served (then the connection
    // closes), as it was before fastify: the ledger closes only after the last one is answered.
    return503OnClosing: false,
    routerOptions: { maxParamLength: 4096 },
    // The API's own compilers from the start: fastify's defaults (@fastify/ajv-compiler with its
    // ajv instances, fast-json-stringify) would otherwise be loaded at start and never used.
    schemaController: { compilersFactory: { buildValidator: validatorCompiler as unknown as ValidatorFactory, buildSerializer: () => () => (data) => JSON.stringify(data) } },
    frameworkErrors: (err, _req, reply) => {
      void fail(reply, DaemonError.invalidRequest(err.code === 'FST_ERR_BAD_URL' ? 'the path is not valid percent-encoded UTF-8' : err.message))
    }
  }).withTypeProvider<SchemaProvider>()

  app.removeAllContentTypeParsers()
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body: Buffer, done) => {
    if (body.length === 0) return done(null, undefined)
    try {
      done(null, JSON.parse(body.toString('utf8')) as unknown)
    } catch {
      done(DaemonError.invalidRequest('the body is not JSON'), undefined)
    }
  })

  const fail = (reply: FastifyReply, err: unknown): FastifyReply => {
    const coded = codedError(err, reply, maxBody)
    if (coded === null) onerror(err)
    const e = coded ?? new DaemonError('INTERNAL', 'internal error (see the daemon log)')
    return reply.code(statusOf(e.code)).type('application/json').send({ error: { code: e.code, message: e.message } })
  }
  app.setErrorHandler((err, _req, reply) => fail(reply, err))
  app.setNotFoundHandler((req, reply) => fail(reply, MeshledgerError.notFound(`no route ${req.url.split('?')[0] ?? ''}`)))

  app.addHook('onRequest', authenticate(authenticators))
  app.addHook('onRequest', async (req) => {
    const q = req.url.indexOf('?')
    if (q === -1) return
    try {
      decodeURIComponent(req.url.slice(q + 1))
    } catch {
      throw DaemonError.invalidRequest('the query is not valid percent-encoded UTF-8')
    }
  })
  // No body is `{}` to a route that takes one; a route that takes none refuses any but `{}`.
  app.addHook('preValidation', async (req) => {
    const takes = req.routeOptions.schema?.body !== undefined
    if (req.body === undefined) {
      if (takes) req.body = {}
    } else if (!takes && !isEmptyObject(req.body)) {
      throw DaemonError.invalidRequest(`${req.method} ${req.routeOptions.url ?? ''} takes no body`)
    }
  })
  app.addHook('onResponse', async (req, reply) => {
    onresponse({ method: req.method, route: req.is404 ? 'unmatched' : req.routeOptions.url ?? 'unmatched', status: reply.statusCode, ms: reply.elapsedTime })
  })

  recordRoutes(app)
  trackMethods(app)
  return app
}

/** Add the API's description and the 405 answers; call once every route is added. */
export function finishApi (app: Api): void {
  openapiRoute(app)
  answerOtherMethods(app)
}

function isEmptyObject (body: unknown): boolean {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0
}

/** The coded error to answer for `err`, or null when it is a bug. */
function codedError (err: unknown, reply: FastifyReply, maxBody: number): MeshledgerError | DaemonError | null {
  const failure = storageFailure(err) ?? err
  if (failure instanceof MeshledgerError || failure instanceof DaemonError) return failure
  const e = err as FastifyError
  if (Array.isArray(e.validation)) return validationError(e.validation, e.validationContext ?? 'body')
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return DaemonError.unsupportedMediaType(String(reply.request.headers['content-type'] ?? 'a body without a content type'))
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return DaemonError.bodyTooLarge(maxBody)
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) return DaemonError.invalidRequest(e.message)
  return null
}
