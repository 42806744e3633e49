/**
 * `GET /v1/openapi.json`, the API described from its routes' own schemas by @fastify/swagger,
 * which is loaded only when the description is first asked for: the routes are recorded as they
 * are added, and the first request replays them into a throwaway fastify instance with the
 * plugin, whose document is then kept. An idle daemon never loads the plugin.
 */
import { createRequire } from 'node:module'
import Fastify, { type RouteOptions } from 'fastify'
import { COMMON_ERRORS, errors, type Api } from './schemas.js'

/** The package's version, the description's `info.version`. */
const { version } = createRequire(import.meta.url)('../../../package.json') as { version: string }

type Described = Pick<RouteOptions, 'method' | 'url' | 'schema'>

const recorded = new WeakMap<object, Described[]>()

/** Record every route added to `app` from now on, for its description. */
export function recordRoutes (app: Api): void {
  const routes: Described[] = []
  recorded.set(app, routes)
  app.addHook('onRoute', ({ method, url, schema }) => { routes.push({ method, url, schema }) })
}

/** The document for the routes recorded on `app`. */
async function describe (routes: Described[]): Promise<Record<string, unknown>> {
  const { default: swagger } = await import('@fastify/swagger')
  const scratch = Fastify({ logger: false, exposeHeadRoutes: false, routerOptions: { maxParamLength: 4096 } })
  try {
    scratch.setValidatorCompiler(() => () => true)
    scratch.setSerializerCompiler(() => (data) => JSON.stringify(data))
    await scratch.register(swagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title: 'meshledger daemon API', version, description: 'The local HTTP API of `meshledger daemon`. Errors are `{ error: { code, message } }`, message `CODE: text`.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'the token in <data>/api-token' } } },
        security: [{ bearer: [] }]
      }
    })
    for (const route of routes) scratch.route({ ...route, handler: async () => null })
    await scratch.ready()
    return scratch.swagger() as unknown as Record<string, unknown>
  } finally {
    await scratch.close()
  }
}

/** Add `GET /v1/openapi.json` (no token); call after the last described route. */
export function openapiRoute (app: Api): void {
  let doc: Promise<Record<string, unknown>> | null = null
  app.get('/v1/openapi.json', {
    config: { open: true },
    schema: { summary: 'this description (OpenAPI 3.1)', tags: ['meta'], security: [], response: { 200: { type: 'object', additionalProperties: true }, ...errors(...COMMON_ERRORS) } }
  }, async () => {
    doc ??= describe(recorded.get(app) ?? []).catch((err: unknown) => { doc = null; throw err })
    return await doc
  })
}
