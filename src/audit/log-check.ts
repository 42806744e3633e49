/**
 * Writer logs re-checked the way a peer checks them. Every block this device stores is
 * replicated over an in-process stream into a scratch Corestore that knows only each log's key,
 * so Hypercore itself checks the writer's signature over the tree roots and each block's hash up
 * to those roots, on receipt, with the same code every peer runs. A check that fails names the
 * log (and the block, when the block is what failed); a log whose blocks stop coming (this device
 * claims a block it cannot read back) is named once `stallTimeout` passes without progress. The
 * checked copies are all the view rebuild gets.
 *
 * Why not recompute the tree from storage instead: hypercore's own `core.audit()` compares blocks
 * with the stored tree but never checks the signature, and reaching the signature check means
 * building hypercore's internal tree batches by hand. Replication cost 0.2-0.4 s per 1 000
 * blocks here (10 008 blocks in 2-4 s), a small part of a whole verify (the rebuild dominates).
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'

/** A failed check, before it becomes a report problem. */
export interface LogFailure {
  code: 'LOG_DAMAGED' | 'LOG_UNREADABLE'
  reason: string
  block?: number
}

/** The outcome of one log. */
export interface LogResult {
  /** Blocks in the log (its signed length here). */
  length: number
  /** Blocks of it this device stores, all re-checked unless `failure`. */
  stored: number
  failure: LogFailure | null
}

/** Hypercore's verification errors, as `verification-error` reports them. */
type VerificationError = Error & { code?: string }
interface DataMessage { block?: { index: number } | null, upgrade?: unknown }

/**
 * Check each log of `keys` held in `live` (replicating with `scratch`), one after the other, by
 * copying it into `scratch`. Each sound copy is left open, following its live log, and returned
 * in `following` for the caller to close: the view rebuild is fed from these copies alone.
 */
export async function checkLogs (live: Corestore, scratch: Corestore, keys: Buffer[], stallMs: number, signal: AbortSignal): Promise<{ results: LogResult[], following: Hypercore[] }> {
  const results: LogResult[] = []
  const following: Hypercore[] = []
  try {
    for (const key of keys) {
      const copy = scratch.get({ key })
      const result = await checkLog(live, copy, key, stallMs, signal).catch(async (err: unknown) => {
        await copy.close()
        throw err
      })
      results.push(result)
      if (result.failure !== null) {
        await copy.close()
        continue
      }
      copy.download({ start: 0, end: -1 })
      following.push(copy)
    }
  } catch (err) {
    await Promise.all(following.map((c) => c.close()))
    throw err
  }
  return { results, following }
}

async function checkLog (live: Corestore, copy: Hypercore, key: Buffer, stallMs: number, signal: AbortSignal): Promise<LogResult> {
  const source = live.get({ key, active: false })
  const watch = watchCopy(copy, stallMs, signal)
  try {
    await Promise.all([source.ready(), copy.ready()])
    const length = source.length
    const ranges = await storedRanges(source)
    const stored = countStored(ranges)
    if (stored === 0) return { length, stored, failure: null }

    // The signed length first: a bad signature or tree root fails here, before any block.
    const upgraded = copy.update({ wait: true })
    upgraded.catch(() => {}) // left pending when the upgrade fails; ends with the session
    let failure = await Promise.race([upgraded.then(() => null), watch.failed])
    if (failure === null) {
      const downloads = ranges.map(([start, end]) => copy.download({ start, end }))
      const done = Promise.all(downloads.map((d) => d.done()))
      done.catch(() => {})
      failure = await Promise.race([done.then(() => null), watch.failed])
      for (const d of downloads) d.destroy()
    }
    if (failure?.code === 'LOG_UNREADABLE') {
      const block = await firstMissing(copy, ranges)
      if (block !== undefined) failure = { ...failure, block, reason: `block ${block} cannot be read back: ${failure.reason}` }
    }
    return { length, stored, failure }
  } finally {
    watch.stop()
    await source.close()
  }
}

/**
 * Resolves with the first verification failure of `copy`, or `LOG_UNREADABLE` after `stallMs`
 * without a block arriving; rejects when `signal` aborts.
 */
function watchCopy (copy: Hypercore, stallMs: number, signal: AbortSignal): { failed: Promise<LogFailure>, stop (): void } {
  let stop = (): void => {}
  const failed = new Promise<LogFailure>((resolve, reject) => {
    let timer = setTimeout(stalled, stallMs)
    function stalled (): void {
      resolve({ code: 'LOG_UNREADABLE', reason: `this device claims it but served nothing for ${stallMs} ms` })
    }
    const progress = (): void => {
      clearTimeout(timer)
      timer = setTimeout(stalled, stallMs)
    }
    const invalid = (err: VerificationError, _req: unknown, res: DataMessage | null): void => {
      const block = res?.block?.index
      const reason = block === undefined
        ? `its stored tree does not match the writer's signature (${err.code ?? err.message})`
        : `block ${block} does not match the writer's signed Merkle tree (${err.code ?? err.message})`
      resolve({ code: 'LOG_DAMAGED', reason, ...(block === undefined ? {} : { block }) })
    }
    const abort = (): void => reject(signal.reason)
    copy.on('download', progress)
    copy.on('append', progress)
    copy.on('verification-error', invalid as (...args: unknown[]) => void)
    signal.addEventListener('abort', abort)
    stop = () => {
      clearTimeout(timer)
      copy.off('download', progress)
      copy.off('append', progress)
      copy.off('verification-error', invalid as (...args: unknown[]) => void)
      signal.removeEventListener('abort', abort)
    }
    if (signal.aborted) abort()
  })
  failed.catch(() => {})
  return { failed, stop }
}

/** The `[start, end)` ranges of blocks `core` stores. */
export async function storedRanges (core: Hypercore): Promise<Array<[number, number]>> {
  const length = core.length
  if (core.contiguousLength >= length) return length === 0 ? [] : [[0, length]]
  const ranges: Array<[number, number]> = []
  let start = -1
  for (let i = 0; i <= length; i++) {
    const has = i < length && await core.has(i)
    if (has && start === -1) start = i
    if (!has && start !== -1) {
      ranges.push([start, i])
      start = -1
    }
  }
  return ranges
}

/** Blocks in `ranges`. */
export function countStored (ranges: Array<[number, number]>): number {
  return ranges.reduce((n, [start, end]) => n + end - start, 0)
}

/** The first block of `ranges` that `copy` did not get. */
async function firstMissing (copy: Hypercore, ranges: Array<[number, number]>): Promise<number | undefined> {
  for (const [start, end] of ranges) {
    for (let i = start; i < end; i++) if (!(await copy.has(i))) return i
  }
  return undefined
}
