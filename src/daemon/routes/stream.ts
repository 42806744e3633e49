/**
 * `GET /v1/stream`: Server-Sent Events of what apply does (`entry`, `reorder`), each with an
 * `id:`; reconnecting with `Last-Event-ID` resumes (event-hub.ts), and a `reset` event says when
 * the daemon cannot replay what was missed.
 */
import { normalizeKey } from '../../keys.js'
import type { EventHub, HubEvent } from '../event-hub.js'
import { COMMON_ERRORS, errors, open, strict, string, type Api } from '../schemas.js'

const HEARTBEAT_MS = 15_000

/** Install the stream route on `hub`. */
export function streamRoutes (app: Api, hub: EventHub): void {
  app.get('/v1/stream', {
    schema: {
      summary: 'Server-Sent Events: entry, reorder; reset when Last-Event-ID cannot be resumed', tags: ['entries'],
      querystring: strict({ type: string, writer: { type: 'string', description: 'device key' } }),
      headers: open({ 'last-event-id': { type: 'string', description: 'the id of the last event received, to resume after it' } }),
      response: { 200: { description: 'an event stream', content: { 'text/event-stream': { schema: string } } }, ...errors(...COMMON_ERRORS) }
    }
  }, async (req, reply) => {
    const writer = req.query.writer === undefined ? undefined : normalizeKey(req.query.writer, 'writer')
    const res = reply.raw
    let early: HubEvent[] | null = []
    const send = (ev: HubEvent): void => {
      if (early !== null) early.push(ev)
      else res.write(`id: ${ev.id}\nevent: ${ev.event}\ndata: ${ev.data}\n\n`)
    }
    // Subscribed before the answer starts: a client that has the headers is watching already.
    const unsubscribe = hub.subscribe({ type: req.query.type, writer }, req.headers['last-event-id'], send, () => res.end())
    reply.hijack()
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
    res.write(': meshledger stream\n\n')
    const replay = early
    early = null
    for (const ev of replay) send(ev)
    const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), HEARTBEAT_MS)
    res.once('close', () => {
      clearInterval(heartbeat)
      unsubscribe()
    })
  })
}
