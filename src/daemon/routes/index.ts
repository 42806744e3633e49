/**
 * Every route of the API, each a thin call into the ledger. Writes answer `201 { id, status }`
 * (and `rejection` when the ledger rejected the op); `?wait=confirmed` waits for finality
 * (`&timeout=ms`, default 30 s).
 */
import type { EventHub } from '../event-hub.js'
import type { Api } from '../schemas.js'
import { assetRoutes } from './assets.js'
import type { RouteContext } from './context.js'
import { entryRoutes } from './entries.js'
import { memberRoutes } from './members.js'
import { moneyRoutes } from './money.js'
import { streamRoutes } from './stream.js'
import { systemRoutes } from './system.js'

export type { Health, RouteContext } from './context.js'

/** Install every route of the API on `app`. */
export function installRoutes (app: Api, ctx: RouteContext, hub: EventHub): void {
  systemRoutes(app, ctx)
  memberRoutes(app, ctx)
  entryRoutes(app, ctx)
  streamRoutes(app, hub)
  moneyRoutes(app, ctx)
  assetRoutes(app, ctx)
}
