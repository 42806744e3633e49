/**
 * What every group of routes is given (the ledger served now, the metrics, the health check, the
 * last audit, the daemon's facts),
 * and the helpers they share: the answer to a write, bounded lists, times.
 */
import type { Entry } from '../../protocol/entry.js'
import type { Ledger } from '../../ledger.js'
import type { MeshledgerError } from '../../errors.js'
import type { LastAudit } from '../dashboard/audits.js'
import type { DaemonFacts } from '../facts.js'
import type { Metrics } from '../metrics.js'
import { DaemonError } from '../api-errors.js'
import { parseTime } from '../../units.js'
import type { FromSchema } from 'json-schema-to-ts'
import type { WriteResult } from '../records.js'

/** How long `?wait=confirmed` waits unless `timeout` says. */
const DEFAULT_WAIT_MS = 30_000
const DEFAULT_LIMIT = 100

/** The most any list answers. */
export const MAX_LIMIT = 10_000

/** Whether the daemon serves its ledger now, and if not, why (`STORAGE_FULL` while reopening). */
export interface Health {
  ready: boolean
  error: MeshledgerError | null
}

/** What routes are built from. */
export interface RouteContext {
  /** The ledger served now (replaced when the daemon reopens it after a full disk). */
  ledger: () => Ledger
  metrics: Metrics
  health: () => Promise<Health>
  /** The last whole-ledger audit, whoever asked for it: the dashboard shows it. */
  audits: LastAudit
  /** The daemon's part of `/v1/status`: its network settings and the problems to act on. */
  facts: () => DaemonFacts
}

/** The answer to a write: `201 { id, status, rejection? }`, after finality with `wait`. */
export async function written (ctx: RouteContext, entry: Entry, query: { wait?: 'confirmed', timeout?: number }): Promise<FromSchema<typeof WriteResult>> {
  ctx.metrics.appended(entry)
  if (query.wait === 'confirmed') entry = await ctx.ledger().confirmed(entry.id, { timeout: query.timeout ?? DEFAULT_WAIT_MS })
  return entry.rejection === undefined ? { id: entry.id, status: entry.status } : { id: entry.id, status: entry.status, rejection: entry.rejection }
}

/** A list's `limit`: default 100, at most {@link MAX_LIMIT}. */
export function bounded (limit: number | undefined): number {
  return Math.min(limit ?? DEFAULT_LIMIT, MAX_LIMIT)
}

/** The first {@link bounded} `limit` of `it`. */
export async function collect<T> (it: AsyncIterable<T>, limit: number | undefined): Promise<T[]> {
  const max = bounded(limit)
  const out: T[] = []
  for await (const x of it) {
    out.push(x)
    if (out.length >= max) break
  }
  return out
}

/** A time the query's schema accepted (ms or ISO 8601), as ms; undefined when absent. */
export function time (text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined
  const ms = parseTime(text)
  if (ms === null) throw DaemonError.invalidRequest(`${name} is not a time`)
  return ms
}
