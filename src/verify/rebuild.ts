/**
 * The view rebuilt from the logs. A scratch replica of the ledger (same key and encryption key,
 * offline, in a temp folder, no fast-forward) replicates from this device alone and applies every
 * writer's blocks itself. Once both hold the same history (equal causal heads and system length)
 * their views must be identical: equal tree hash, and equal blocks. The block comparison is what
 * catches a view block altered on disk: the tree hash comes from stored tree nodes, not blocks.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import { MeshledgerError } from '../errors.js'
import { pipeReplicas } from './pipe.js'

/** The outcome of a rebuild. */
export interface RebuildResult {
  liveHash: string
  /** Null when the rebuild stalled before reaching the live history. */
  rebuiltHash: string | null
  /** Live view length the comparison was made at. */
  length: number
  failure: MeshledgerError | null
  /** First view block that differs, when that is what failed. */
  block?: number
}

/** Replicate `scratch` from `live` until both hold the same history, then compare their views. */
export async function rebuildView (live: Autobase<Hyperbee>, scratch: Autobase<Hyperbee>, stallMs: number, signal: AbortSignal): Promise<RebuildResult> {
  const stop = pipeReplicas(live, scratch)
  try {
    let stallAt = Date.now() + stallMs
    while (true) {
      if (history(live) === history(scratch)) {
        const settled = history(live)
        const result = await compareViews(live.view.core, scratch.view.core)
        // The live ledger may have moved on while the views were read: compare again then.
        if (history(live) === settled && history(scratch) === settled) return result
        continue
      }
      const next = await progress(live, scratch, stallAt, signal)
      if (next === 'scratch') stallAt = Date.now() + stallMs
      if (next === 'stalled') {
        const liveLength = live.view.core.length
        return {
          liveHash: await treeHash(live.view.core, liveLength),
          rebuiltHash: null,
          length: liveLength,
          failure: MeshledgerError.rebuildStalled(`the view rebuilt from the logs stopped at ${scratch.view.core.length} of ${liveLength} blocks for ${stallMs} ms`)
        }
      }
    }
  } finally {
    stop()
  }
}

/** Causal heads and system length: equal on two replicas that applied the same history. */
function history (base: Autobase<Hyperbee>): string {
  const heads = base.heads().map((h) => `${h.key.toString('hex')}:${h.length}`).sort()
  return `${base.length}|${heads.join(',')}`
}

async function compareViews (live: Hypercore, rebuilt: Hypercore): Promise<RebuildResult> {
  const length = live.length
  const [liveHash, rebuiltHash] = await Promise.all([treeHash(live, length), treeHash(rebuilt, rebuilt.length)])
  const block = await firstDifference(live, rebuilt, Math.min(length, rebuilt.length))
  let failure: MeshledgerError | null = null
  if (block !== undefined) {
    failure = MeshledgerError.viewMismatch(`view block ${block} differs from the view rebuilt from the logs`)
  } else if (rebuilt.length !== length) {
    failure = MeshledgerError.viewMismatch(`the view has ${length} blocks, the one rebuilt from the logs ${rebuilt.length}`)
  } else if (liveHash !== rebuiltHash) {
    failure = MeshledgerError.viewMismatch(`the view's Merkle tree (${liveHash.slice(0, 16)}...) differs from the rebuilt one (${rebuiltHash.slice(0, 16)}...) though every block is equal`)
  }
  return { liveHash, rebuiltHash, length, failure, ...(block === undefined ? {} : { block }) }
}

async function firstDifference (a: Hypercore, b: Hypercore, length: number): Promise<number | undefined> {
  for (let i = 0; i < length; i++) {
    const [x, y] = await Promise.all([a.get(i, { raw: true }), b.get(i, { raw: true })])
    if (x === null || y === null || !x.equals(y)) return i
  }
  return undefined
}

async function treeHash (core: Hypercore, length: number): Promise<string> {
  return (await core.treeHash(length)).toString('hex')
}

/**
 * Resolves with the replica that changed next, or `stalled` at `stallAt` (ms since the epoch);
 * rejects when `signal` aborts.
 */
function progress (live: Autobase<Hyperbee>, scratch: Autobase<Hyperbee>, stallAt: number, signal: AbortSignal): Promise<'live' | 'scratch' | 'stalled'> {
  return new Promise((resolve, reject) => {
    const done = (value: 'live' | 'scratch' | 'stalled' | Error): void => {
      clearTimeout(timer)
      live.off('update', liveChanged)
      scratch.off('update', scratchChanged)
      scratch.view.core.off('append', scratchChanged)
      signal.removeEventListener('abort', aborted)
      if (value instanceof Error) reject(value)
      else resolve(value)
    }
    const liveChanged = (): void => done('live')
    const scratchChanged = (): void => done('scratch')
    const aborted = (): void => done(signal.reason as Error)
    const timer = setTimeout(() => done('stalled'), Math.max(0, stallAt - Date.now()))
    live.on('update', liveChanged)
    scratch.on('update', scratchChanged)
    scratch.view.core.on('append', scratchChanged)
    signal.addEventListener('abort', aborted)
    if (signal.aborted) aborted()
  })
}
