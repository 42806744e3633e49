/**
 * The local API's routes, each a thin call into the ledger. Writes answer `{ id, status }` (and
 * `rejection` when the ledger rejected the op); `?wait=confirmed` waits for finality
 * (`&timeout=ms`, default 30 s).
 */
import type { Entry } from '../protocol/entry.js'
import { MeshledgerError } from '../errors.js'
import type { Ledger } from '../ledger.js'
import type { Role } from '../protocol/vocabulary.js'
import type { Rule } from '../apply/rules.js'
import { DaemonError } from './api-errors.js'
import type { Reply, Request, Router } from './http.js'
import type { Metrics } from './metrics.js'
import type { DaemonFacts } from './facts.js'

const DEFAULT_WAIT_MS = 30_000
const DEFAULT_LIMIT = 100
const MAX_LIMIT = 10_000
const HEARTBEAT_MS = 15_000

function num (q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name)
  if (v === null || v === '') return undefined
  const n = Number(v)
  if (!Number.isFinite(n)) throw DaemonError.invalidRequest(`${name} is a number`)
  return n
}

function str (q: URLSearchParams, name: string): string | undefined {
  const v = q.get(name)
  return v === null || v === '' ? undefined : v
}

/** A string field of a body (`optional`: or absent); anything else is the caller's `INVALID_REQUEST`. */
function string (b: Record<string, unknown>, name: string): string
function string (b: Record<string, unknown>, name: string, optional: true): string | undefined
function string (b: Record<string, unknown>, name: string, optional = false): string | undefined {
  const v = b[name]
  if (typeof v === 'string' || (optional && v === undefined)) return v
  throw DaemonError.invalidRequest(`${name} is a string`)
}

/** A number field of a body; its range is the op's to check (`INVALID_ENTRY`). */
function number (b: Record<string, unknown>, name: string): number {
  const v = b[name]
  if (typeof v === 'number') return v
  throw DaemonError.invalidRequest(`${name} is a number`)
}

function object (body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw DaemonError.invalidRequest('the body is a JSON object')
  return body as Record<string, unknown>
}

async function collect<T> (it: AsyncIterable<T>, limit: number): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) {
    out.push(x)
    if (out.length >= limit) break
  }
  return out
}

function limitOf (q: URLSearchParams): number {
  return Math.min(num(q, 'limit') ?? DEFAULT_LIMIT, MAX_LIMIT)
}

/** Whether the daemon serves its ledger now, and if not, why (`STORAGE_FULL` while reopening). */
export interface Health {
  ready: boolean
  error: MeshledgerError | null
}

/** Install every route of the API on `router`; `ledger` gives the ledger served now, `facts` the daemon's part of the status. */
export function installRoutes (router: Router, ledger: () => Ledger, metrics: Metrics, health: () => Promise<Health>, facts: () => DaemonFacts): void {
  const written = async (req: Request, entry: Entry): Promise<Reply> => {
    metrics.appended(entry)
    if (req.query.get('wait') === 'confirmed') entry = await ledger().confirmed(entry.id, { timeout: num(req.query, 'timeout') ?? DEFAULT_WAIT_MS })
    return { status: 201, body: entry.rejection === undefined ? { id: entry.id, status: entry.status } : { id: entry.id, status: entry.status, rejection: entry.rejection } }
  }
  const body = async (req: Request): Promise<Record<string, unknown>> => object(await req.body())

  // 503 while the ledger is down (storage full, reopening): a load balancer or probe stops sending.
  // `pid` lets a local program tell this daemon from whatever a stale daemon.json points at.
  router.add('GET', '/healthz', async () => {
    const { ready, error } = await health()
    const body = { ok: true, ready, pid: process.pid, ...(error === null ? {} : { error: { code: error.code, message: error.message } }) }
    return { status: ready ? 200 : 503, body }
  }, { open: true })
  router.add('GET', '/metrics', async () => ({ body: await metrics.render() }))

  router.add('GET', '/v1/status', async () => ({
    body: {
      ledger: ledger().key,
      device: ledger().deviceKey,
      mode: ledger().mode,
      writable: ledger().writable,
      indexer: ledger().isIndexer,
      hash: await ledger().hash(),
      protocol: await ledger().protocol(),
      ...ledger().stats,
      peers: ledger().peers(),
      viewCheck: ledger().viewCheck(),
      ...facts()
    }
  }))
  router.add('GET', '/v1/peers', async () => ({ body: { peers: ledger().peers(), writers: ledger().stats.writers } }))
  // The audit's verdict is in the report (`ok`, `problems`): 200 whatever it found.
  router.add('POST', '/v1/verify', async () => ({ body: await ledger().verify() }))

  router.add('GET', '/v1/members', async (req) => ({ body: { members: await ledger().members({ all: req.query.get('all') === 'true' }) } }))
  router.add('POST', '/v1/members', async (req) => {
    const b = await body(req)
    if (typeof b.key !== 'string') throw DaemonError.invalidRequest('key is a device key')
    return written(req, await ledger().addMember(b.key, { role: (string(b, 'role', true) ?? 'writer') as Role }))
  })
  router.add('DELETE', '/v1/members/:key', async (req) => written(req, await ledger().removeMember(req.params.key)))
  router.add('POST', '/v1/members/:key/quarantine', async (req) => {
    const b = await body(req)
    return written(req, await ledger().quarantine(req.params.key, { reason: string(b, 'reason', true) }))
  })
  router.add('POST', '/v1/members/:key/release', async (req) => written(req, await ledger().release(req.params.key)))

  router.add('GET', '/v1/protocol', async () => ({ body: await ledger().protocol() }))
  router.add('POST', '/v1/protocol', async (req) => {
    const b = await body(req)
    if (!Number.isSafeInteger(b.version)) throw DaemonError.invalidRequest('version is an integer')
    return written(req, await ledger().activateProtocol(b.version as number))
  })

  router.add('POST', '/v1/entries', async (req) => {
    const b = await body(req)
    if (typeof b.type !== 'string') throw DaemonError.invalidRequest('an entry is { type, data }')
    return written(req, await ledger().append({ type: b.type, data: b.data }))
  })
  router.add('GET', '/v1/entries', async (req) => {
    const q = req.query
    const query = { type: str(q, 'type'), writer: str(q, 'writer'), stream: str(q, 'stream'), since: num(q, 'since'), until: num(q, 'until'), reverse: q.get('reverse') === 'true', limit: limitOf(q) }
    return { body: { entries: await collect(ledger().query(query), query.limit) } }
  })
  router.add('GET', '/v1/entries/:id', async (req) => {
    const entry = await ledger().get(req.params.id)
    if (entry === null) throw MeshledgerError.notFound(`no entry ${req.params.id}`)
    return { body: entry }
  })
  router.add('GET', '/v1/entries/:id/proof', async (req) => ({ body: await ledger().proof(req.params.id, { block: req.query.get('block') === 'true' }) }))
  router.add('GET', '/v1/entries/:id/status', async (req) => ({ body: { id: req.params.id, status: await ledger().status(req.params.id) } }))
  router.add('GET', '/v1/stream', async (req) => stream(req, ledger()))

  router.add('GET', '/v1/balances/:account', async (req) => ({ body: { account: req.params.account, balance: await ledger().balance(req.params.account) } }))
  router.add('GET', '/v1/supply', async () => ({ body: { supply: await ledger().supply() } }))
  router.add('GET', '/v1/transfers', async (req) => {
    const q = req.query
    return { body: { transfers: await collect(ledger().transfers({ account: str(q, 'account'), since: num(q, 'since'), until: num(q, 'until'), reverse: q.get('reverse') === 'true' }), limitOf(q)) } }
  })
  router.add('POST', '/v1/transfers', async (req) => {
    const b = await body(req)
    const t = { from: string(b, 'from', true), to: string(b, 'to'), amount: number(b, 'amount'), memo: string(b, 'memo', true), ref: string(b, 'ref', true) }
    return written(req, await ledger().transfer(t))
  })
  router.add('POST', '/v1/mint', async (req) => {
    const b = await body(req)
    return written(req, await ledger().mint(string(b, 'to'), number(b, 'amount'), { memo: string(b, 'memo', true) }))
  })

  router.add('GET', '/v1/assets', async (req) => {
    const q = req.query
    return { body: { assets: await collect(ledger().assets({ owner: str(q, 'owner'), kind: str(q, 'kind'), status: str(q, 'status') }), limitOf(q)) } }
  })
  router.add('GET', '/v1/assets/:id', async (req) => {
    const asset = await ledger().asset(req.params.id)
    if (asset === null) throw MeshledgerError.notFound(`no asset ${req.params.id}`)
    return { body: asset }
  })
  router.add('POST', '/v1/assets', async (req) => {
    const b = await body(req)
    return written(req, await ledger().registerAsset(string(b, 'id'), string(b, 'kind'), { attributes: b.attributes as Record<string, unknown> | undefined }))
  })
  router.add('POST', '/v1/assets/:id/transfer', async (req) => written(req, await ledger().transferAsset(req.params.id, string(await body(req), 'to'))))
  router.add('POST', '/v1/assets/:id/events', async (req) => {
    const b = await body(req)
    return written(req, await ledger().assetEvent(req.params.id, string(b, 'kind'), { data: b.data }))
  })
  router.add('GET', '/v1/assets/:id/history', async (req) => ({ body: { history: await ledger().assetHistory(req.params.id) } }))

  router.add('POST', '/v1/readings', async (req) => {
    const b = await body(req)
    return written(req, await ledger().record(string(b, 'stream'), b.value, { asset: string(b, 'asset', true) }))
  })
  router.add('GET', '/v1/readings', async (req) => {
    const q = req.query
    const stream = str(q, 'stream')
    if (stream === undefined) throw DaemonError.invalidRequest('readings needs ?stream=')
    return { body: { readings: await collect(ledger().readings({ stream, since: num(q, 'since'), until: num(q, 'until'), reverse: q.get('reverse') === 'true' }), limitOf(q)) } }
  })

  router.add('GET', '/v1/invites', async () => ({ body: { invites: await collect(ledger().invites(), MAX_LIMIT) } }))
  router.add('POST', '/v1/invites', async (req) => {
    const b = await body(req)
    const invite = await ledger().invite({ role: b.role as never, expires: b.expires as number | undefined, uses: b.uses as number | undefined })
    metrics.appended()
    return { status: 201, body: invite }
  })
  router.add('DELETE', '/v1/invites/:id', async (req) => written(req, await ledger().revokeInvite(req.params.id)))

  router.add('GET', '/v1/forks', async () => ({ body: { forks: await collect(ledger().forks(), MAX_LIMIT) } }))

  router.add('GET', '/v1/rules', async () => ({ body: { rules: await collect(ledger().rules(), MAX_LIMIT) } }))
  // The rule's shape is checked where every rule is: on the op's path (INVALID_ENTRY).
  router.add('POST', '/v1/rules', async (req) => written(req, await ledger().addRule(await body(req) as unknown as Rule)))
  router.add('DELETE', '/v1/rules/:id', async (req) => written(req, await ledger().removeRule(req.params.id)))
  router.add('GET', '/v1/alerts', async (req) => ({ body: { alerts: await collect(ledger().alerts({ since: num(req.query, 'since'), until: num(req.query, 'until') }), limitOf(req.query)) } }))
}

/** Server-Sent Events: `entry` and `reorder` events as apply produces them. */
async function stream (req: Request, ledger: Ledger): Promise<Reply> {
  const watcher = ledger.watch({ type: str(req.query, 'type'), writer: str(req.query, 'writer') as never })
  req.res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' })
  req.res.write(': meshledger stream\n\n')
  const heartbeat = setInterval(() => req.res.write(': heartbeat\n\n'), HEARTBEAT_MS)
  req.raw.once('close', () => { watcher.return().catch(() => {}) })
  try {
    for await (const ev of watcher) {
      const { type, ...data } = ev
      req.res.write(`event: ${type}\ndata: ${JSON.stringify(type === 'entry' ? ev.entry : data)}\n\n`)
    }
  } finally {
    clearInterval(heartbeat)
    if (!req.res.writableEnded) req.res.end()
  }
  return null
}

