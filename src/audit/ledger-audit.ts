/**
 * `ledger.verify()`: the whole-ledger audit. Every writer log this device holds (each member's,
 * removed ones included, and the ledger key's) is copied into a scratch store that checks it
 * against its writer's signature and Merkle tree (log-check.ts); the view is rebuilt from those
 * checked copies alone in a scratch replica and compared with the live one (rebuild.ts); each
 * writer gets its counts from the live view (writer-stats.ts). A log found damaged is marked and
 * no longer served (withheld-logs.ts). The scratch folder is removed afterwards, whatever happened.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import { MeshledgerError, isMeshledgerError } from '../errors.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import type { Role } from '../protocol/vocabulary.js'
import type { IndexCheck } from '../view/local-index.js'
import { damageMark, markDamaged, type DamageMark } from '../replica/withheld-logs.js'
import type { MemberRecord } from '../apply/membership.js'
import { openStore } from '../replica/storage.js'
import { memberRange } from '../protocol/view-layout.js'
import { checkLogs, countStored, storedRanges, type LogResult } from './log-check.js'
import { pipeReplicas } from './pipe.js'
import { rebuildView, type RebuildResult } from './rebuild.js'
import { problemOf, type AuditProblem, type VerifyOptions, type VerifyReport, type WriterAudit } from './report.js'
import { writerStats } from './writer-stats.js'

/** Default of `stallTimeout`, ms. */
export const DEFAULT_STALL_TIMEOUT = 10_000

/** An offline replica of the ledger, opened for the rebuild. */
export interface Replica {
  base: Autobase<Hyperbee>
  close (): Promise<void>
}

/** What the audit needs from the live ledger. */
export interface AuditTarget {
  base: Autobase<Hyperbee>
  /** Cache bound for the scratch store (entries). */
  cacheSize: number
  /** Open an offline replica of this ledger (same keys, no fast-forward) in an empty `folder`. */
  openReplica (folder: string): Promise<Replica>
  /**
   * This device's own log against its log record: blocks recorded as written and blocks stored;
   * fewer stored (or another history, `damaged`) is reported as `LOG_TRUNCATED`.
   */
  ownLog?: { recorded: number, stored: number, damaged: boolean }
  /** Compare the local index (protocol 7) with a derivation afresh from the view; `INDEX_MISMATCH` when they differ. */
  checkIndex?: () => Promise<IndexCheck>
}

/** A log to audit, with what the view says of its writer. */
interface Log {
  key: Buffer
  role: Role | null
  removed: boolean
}

/** Run the audit; `signal` aborts it (the ledger is closing). */
export async function auditLedger (target: AuditTarget, options: VerifyOptions, signal: AbortSignal): Promise<VerifyReport> {
  const started = performance.now()
  const { base } = target
  const stallMs = options.stallTimeout ?? DEFAULT_STALL_TIMEOUT
  if (!(Number.isSafeInteger(stallMs) && stallMs > 0)) throw MeshledgerError.invalidOption('stallTimeout is a positive integer (ms)')
  const folder = await mkdtemp(path.join(options.tmpdir ?? tmpdir(), 'meshledger-verify-'))
  try {
    const copies = (await openStore(path.join(folder, 'logs'), target.cacheSize)).store
    const unpipe = pipeReplicas(base.store, copies, { scratch: true })
    let following: Hypercore[] = []
    try {
      const audited = await auditLogs(base, copies, await listLogs(base), stallMs, signal)
      following = audited.following
      const { writers, problems } = audited
      const truncated = ownLogProblem(base, target.ownLog)
      if (truncated !== null) {
        problems.unshift(truncated)
        const own = writers.find((w) => w.key === truncated.writer)
        if (own !== undefined) Object.assign(own, { ok: false, problem: own.problem ?? truncated })
      }
      // A damaged log stops the rebuild where the damage is: compare views only over sound logs.
      let rebuilt: RebuildResult | null = null
      if (writers.every((w) => w.ok)) {
        const replica = await target.openReplica(path.join(folder, 'view'))
        try {
          rebuilt = await rebuildView(base, replica.base, copies, stallMs, signal)
        } finally {
          await replica.close()
        }
        const { failure, block } = rebuilt
        // A view record that did not decode may be the very block the comparison stops at.
        if (failure !== null && !problems.some((p) => p.writer === undefined && p.block === block)) problems.push(problemOf(failure, block === undefined ? {} : { block }))
      }
      const index = target.checkIndex === undefined ? null : await indexProblem(target.checkIndex)
      if (index !== null) problems.push(index)
      const viewLength = rebuilt?.length ?? base.view.core.length
      return {
        ok: problems.length === 0,
        viewHash: rebuilt?.liveHash ?? (await base.view.core.treeHash(viewLength)).toString('hex'),
        rebuiltHash: rebuilt?.rebuiltHash ?? null,
        viewLength,
        writers,
        problems,
        took: Math.round(performance.now() - started)
      }
    } finally {
      unpipe()
      await Promise.all(following.map((c) => c.close()))
      await copies.close()
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

/** The local index against a derivation afresh from the view: a problem, or null when they agree. */
async function indexProblem (check: () => Promise<IndexCheck>): Promise<AuditProblem | null> {
  let found: IndexCheck
  try {
    found = await check()
  } catch (err) {
    if (isMeshledgerError(err, 'INDEX_MISMATCH')) return problemOf(err)
    throw err
  }
  if (found.missing === 0 && found.extra === 0) return null
  return problemOf(MeshledgerError.indexMismatch(`this device's local index of the first ${found.length} view blocks lacks ${found.missing} segments the view's block records call for (or holds them otherwise) and holds ${found.extra} they do not: queries may answer wrongly; stop the ledger and remove its local-index folder to derive it again`))
}

/**
 * Check every log (a withheld one keeps its mark: it is not served, so it cannot be copied), mark
 * the damaged ones, and count each writer's entries in the view. `following`: the sound copies.
 */
async function auditLogs (base: Autobase<Hyperbee>, copies: Corestore, logs: Log[], stallMs: number, signal: AbortSignal): Promise<{ writers: WriterAudit[], problems: AuditProblem[], following: Hypercore[] }> {
  const marks = await Promise.all(logs.map((log) => onLog(base.store, log.key, damageMark)))
  const fresh = logs.filter((_, i) => marks[i] === null).map((log) => log.key)
  const { results, following } = await checkLogs(base.store, copies, fresh, stallMs, signal)
  const checked = new Map(fresh.map((key, i) => [key.toString('hex'), results[i]]))

  const writers: WriterAudit[] = []
  const problems: AuditProblem[] = []
  for (const [i, log] of logs.entries()) {
    const key = encodeKey<DeviceKey>(log.key)
    const mark = marks[i]
    const result = mark === null ? checked.get(log.key.toString('hex')) as LogResult : { ...(await onLog(base.store, log.key, size)), failure: null }
    const problem = mark !== null ? withheldProblem(key, mark) : result.failure === null ? undefined : await damaged(base.store, log.key, result)
    if (problem !== undefined) problems.push(problem)
    const { unreadable, ...stats } = await writerStats(base.view, log.key)
    for (const block of unreadable) {
      problems.push(problemOf(MeshledgerError.viewUnreadable(`view block ${block} (a record of log ${key}) does not decode`), { block }))
    }
    writers.push({ key, role: log.role, removed: log.removed, length: result.length, stored: result.stored, ...stats, ok: problem === undefined, ...(problem === undefined ? {} : { problem }) })
  }
  return { writers, problems, following }
}

/** Acknowledged blocks of this device's own log that its store no longer holds, as a problem. */
function ownLogProblem (base: Autobase<Hyperbee>, own: AuditTarget['ownLog']): AuditProblem | null {
  if (own === undefined || !own.damaged) return null
  const key = encodeKey<DeviceKey>(base.local.key)
  const found = own.stored < own.recorded
    ? `holds ${own.stored} blocks but ${own.recorded} were written and recorded: ${own.recorded - own.stored} acknowledged blocks are lost here`
    : `differs from the history recorded at ${own.recorded} blocks`
  return problemOf(MeshledgerError.logTruncated(`this device's log ${key} ${found}`), { writer: key, block: Math.min(own.stored, own.recorded) })
}

/** The problem of a failed log; a damaged one (proof, not a stall that may be slowness) is withheld from now on. */
async function damaged (store: Corestore, log: Buffer, result: LogResult): Promise<AuditProblem> {
  const key = encodeKey<DeviceKey>(log)
  const { code, reason, block } = result.failure as NonNullable<LogResult['failure']>
  const err = code === 'LOG_DAMAGED' ? MeshledgerError.logDamaged(`log ${key}: ${reason}`) : MeshledgerError.logUnreadable(`log ${key}: ${reason}`)
  if (code === 'LOG_DAMAGED') await onLog(store, log, (core) => markDamaged(core, { code, message: err.message, block, at: Date.now() }))
  return problemOf(err, { writer: key, ...(block === undefined ? {} : { block }) })
}

function withheldProblem (key: DeviceKey, mark: DamageMark): AuditProblem {
  const message = `${mark.message} (found ${new Date(mark.at).toISOString()}; this device no longer serves this log)`
  return { code: mark.code as AuditProblem['code'], message, writer: key, ...(mark.block === undefined ? {} : { block: mark.block }) }
}

/** Every member's log (removed ones too) and the ledger key's, in key order. */
async function listLogs (base: Autobase<Hyperbee>): Promise<Log[]> {
  const logs = new Map<string, Log>()
  for await (const node of base.view.createReadStream(memberRange())) {
    const record = JSON.parse(node.value.toString()) as MemberRecord
    const key = node.key.subarray(1)
    logs.set(key.toString('hex'), { key, role: record.role, removed: record.removedAt !== undefined })
  }
  // The ledger key's writer is the first indexer before any op says so.
  const genesis = base.key.toString('hex')
  if (!logs.has(genesis)) logs.set(genesis, { key: base.key, role: 'indexer', removed: false })
  return [...logs.values()].sort((a, b) => Buffer.compare(a.key, b.key))
}

/** A log's length and how many of its blocks this device stores. */
async function size (core: Hypercore): Promise<{ length: number, stored: number }> {
  return { length: core.length, stored: countStored(await storedRanges(core)) }
}

async function onLog<T> (store: Corestore, key: Buffer, fn: (core: Hypercore) => Promise<T>): Promise<T> {
  const core = store.get({ key, active: false })
  try {
    await core.ready()
    return await fn(core)
  } finally {
    await core.close()
  }
}
