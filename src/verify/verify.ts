/**
 * `ledger.verify()`: the whole-ledger audit. Every writer log this device holds (each member's,
 * removed ones included, and the ledger key's) is re-checked against its writer's signature and
 * Merkle tree (log-check.ts); the view is rebuilt from the logs in a scratch replica and compared
 * with the live one (rebuild.ts); each writer gets its counts from the live view
 * (writer-stats.ts). A log found damaged is marked and no longer served (refused-logs.ts). The
 * scratch folder is removed afterwards, whatever happened.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import { MeshledgerError } from '../errors.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import type { Role } from '../ops.js'
import { damageMark, markDamaged } from '../refused-logs.js'
import type { MemberRecord } from '../semantics/membership.js'
import { openStore } from '../storage.js'
import { memberRange } from '../view-layout.js'
import { checkLogs, countStored, storedRanges, type LogResult } from './log-check.js'
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
}

/** A log to audit, with what the view says of its writer. */
interface Log {
  key: Buffer
  role: Role | null
  removed: boolean
}

/** Run the audit; `signal` aborts it (the ledger is closing). */
export async function verifyLedger (target: AuditTarget, options: VerifyOptions, signal: AbortSignal): Promise<VerifyReport> {
  const started = Date.now()
  const { base } = target
  const stallMs = options.stallTimeout ?? DEFAULT_STALL_TIMEOUT
  if (!(Number.isSafeInteger(stallMs) && stallMs > 0)) throw MeshledgerError.invalidOption('stallTimeout is a positive integer (ms)')
  const folder = await mkdtemp(path.join(options.tmpdir ?? tmpdir(), 'meshledger-verify-'))
  try {
    const logs = await listLogs(base)
    const marks = await Promise.all(logs.map((log) => onLog(base.store, log.key, damageMark)))
    const fresh = logs.filter((_, i) => marks[i] === null)
    const checked = await checkFresh(base.store, fresh.map((l) => l.key), path.join(folder, 'logs'), target.cacheSize, stallMs, signal)

    const problems: AuditProblem[] = []
    const writers: WriterAudit[] = []
    for (const [i, log] of logs.entries()) {
      const key = encodeKey<DeviceKey>(log.key)
      const mark = marks[i]
      // A refused log is not served, so it cannot be copied again: its mark stands.
      const result = mark === null ? checked.get(log.key.toString('hex')) as LogResult : { ...(await onLog(base.store, log.key, size)), failure: null }
      let problem: AuditProblem | undefined
      if (mark !== null) {
        problem = { code: mark.code as AuditProblem['code'], message: `${mark.message} (found ${new Date(mark.at).toISOString()}; this device no longer serves this log)`, writer: key, ...(mark.block === undefined ? {} : { block: mark.block }) }
      } else if (result.failure !== null) {
        const { code, reason, block } = result.failure
        const err = code === 'LOG_DAMAGED' ? MeshledgerError.logDamaged(`log ${key}: ${reason}`) : MeshledgerError.logUnreadable(`log ${key}: ${reason}`)
        problem = problemOf(err, { writer: key, ...(block === undefined ? {} : { block }) })
        // Only proof of damage refuses a log; a stall may be this device being slow.
        if (code === 'LOG_DAMAGED') await onLog(base.store, log.key, (core) => markDamaged(core, { code, message: err.message, block, at: Date.now() }))
      }
      if (problem !== undefined) problems.push(problem)
      const { unreadable, ...stats } = await writerStats(base.view, log.key)
      for (const block of unreadable) {
        problems.push(problemOf(MeshledgerError.viewMismatch(`view block ${block} (a record of log ${key}) does not decode`), { block }))
      }
      writers.push({ key, role: log.role, removed: log.removed, length: result.length, stored: result.stored, ...stats, ok: problem === undefined, ...(problem === undefined ? {} : { problem }) })
    }

    // A damaged log stops the rebuild where the damage is: compare views only with sound logs.
    let rebuilt: RebuildResult | null = null
    if (problems.every((p) => p.code === 'VIEW_MISMATCH')) {
      const replica = await target.openReplica(path.join(folder, 'view'))
      try {
        rebuilt = await rebuildView(base, replica.base, stallMs, signal)
      } finally {
        await replica.close()
      }
      const { failure, block } = rebuilt
      if (failure !== null && !problems.some((p) => p.block === block)) problems.push(problemOf(failure, block === undefined ? {} : { block }))
    }
    const viewLength = rebuilt?.length ?? base.view.core.length
    return {
      ok: problems.length === 0,
      viewHash: rebuilt?.liveHash ?? (await base.view.core.treeHash(viewLength)).toString('hex'),
      rebuiltHash: rebuilt?.rebuiltHash ?? null,
      viewLength,
      writers,
      problems,
      took: Date.now() - started
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
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

async function checkFresh (store: Corestore, keys: Buffer[], folder: string, cacheSize: number, stallMs: number, signal: AbortSignal): Promise<Map<string, LogResult>> {
  const out = new Map<string, LogResult>()
  if (keys.length === 0) return out
  const scratch = (await openStore(folder, cacheSize)).store
  try {
    const results = await checkLogs(store, scratch, keys, stallMs, signal)
    keys.forEach((key, i) => out.set(key.toString('hex'), results[i]))
  } finally {
    await scratch.close()
  }
  return out
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
