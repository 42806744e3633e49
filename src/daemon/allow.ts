/**
 * 405 Method Not Allowed with the `Allow` header (RFC 9110 15.5.6): fastify answers 404 for a
 * known path with another method, so each path gets a route for the methods it does not take.
 * Those routes are open (a wrong method tells nothing a 404 would not) and left out of the API
 * description.
 */
import { DaemonError } from './api-errors.js'
import type { Api } from './schemas.js'

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']

const tracked = new WeakMap<object, Map<string, Set<string>>>()

/** Record the methods of every route added to `app` from now on. */
export function trackMethods (app: Api): void {
  const paths = new Map<string, Set<string>>()
  tracked.set(app, paths)
  app.addHook('onRoute', (route) => {
    if (route.config?.methodNotAllowed === true) return
    const methods = paths.get(route.url) ?? new Set<string>()
    for (const m of [route.method].flat()) methods.add(m)
    paths.set(route.url, methods)
  })
}

/** The routes added since {@link trackMethods}, by path pattern (`/v1/entries/:id`). */
export function routesOf (app: Api): Array<{ method: string, url: string }> {
  return [...tracked.get(app) ?? []].flatMap(([url, methods]) => [...methods].map((method) => ({ method, url })))
}

/** Add the 405 routes; call once, after the last route. */
export function answerOtherMethods (app: Api): void {
  for (const [url, methods] of tracked.get(app) ?? []) {
    const allow = METHODS.filter((m) => methods.has(m)).join(', ')
    const others = METHODS.filter((m) => !methods.has(m))
    app.route({
      method: others,
      url,
      config: { open: true, methodNotAllowed: true },
      schema: { hide: true },
      handler: async (req, reply) => {
        void reply.header('allow', allow)
        throw DaemonError.methodNotAllowed(req.method, url, allow)
      }
    })
  }
}
