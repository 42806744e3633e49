/**
 * The view rebuilt from the logs. A scratch replica of the ledger (same key and encryption key,
 * offline, in a temp folder, no fast-forward) replicates only with the checked copies of the
 * writer logs (log-check.ts), never with this device's own store: fed by the device, a replica
 * downloads the indexed system and view blocks instead of applying (measured: 215 of 811 view
 * blocks came from the device), and a damaged view would then be compared with itself. So it
 * applies every writer's blocks itself. Once both hold the same history (equal causal heads and
 * system length) the views must be identical: equal tree hash, and equal blocks. The block
 * comparison is what catches a view block altered on disk: the tree hash comes from stored tree
 * nodes, not blocks.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type Hypercore from 'hypercore'
import { MeshledgerError } from '../errors.js'
import { pipeReplicas, type Replicable } from './pipe.js'

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

/**
 * Replicate `scratch` from `logs` (the checked log copies) until it holds the history `live`
 * holds, then compare their views.
 */
export async function rebuildView (live: Autobase<Hyperbee>, scratch: Autobase<Hyperbee>, logs: Replicable, stallMs: number, signal: AbortSignal): Promise<RebuildResult> {
  const stop = pipeReplicas(logs, scratch)
  try {
    let stallAt = performance.now() + stallMs
    while (true) {
      if (applied(scratch) && history(live) === history(scratch)) {
        const settled = history(live)
        const result = await compareViews(live.view.core, scratch.view.core)
        // The live ledger may have moved on while the views were read: compare again then.
        if (history(live) === settled && history(scratch) === settled && applied(scratch)) return result
        continue
      }
      const next = await progress(live, scratch, stallAt, signal)
      if (next === 'scratch') stallAt = performance.now() + stallMs
      if (next === 'stalled') {
        const liveLength = live.view.core.length
        return {
          liveHash: await treeHash(live.view.core, liveLength),
          rebuiltHash: null,
          length: liveLength,
          failure: MeshledgerError.rebuildStalled(`the view rebuilt from the logs stopped at ${scratch.view.core.contiguousLength} of ${liveLength} blocks for ${stallMs} ms`)
        }
      }
    }
  } finally {
    stop()
  }
}

/**
 * Whether the replica holds every block of its system and view. Autobase takes the lengths the
 * indexers signed (writer blocks carry those checkpoints) before it has the blocks, expecting to
 * download them; fed only writer logs, this replica has to apply its way there, and until it has,
 * its heads can already equal the live ones.
 */
function applied (base: Autobase<Hyperbee>): boolean {
  return [base.core, base.view.core].every((core) => core.contiguousLength === core.length)
}

/** Causal heads and system length: equal on two replicas that applied the same history. */
function history (base: Autobase<Hyperbee>): string {
  const heads = base.heads().map((h) => `${h.key.toString('hex')}:${h.length}`).sort()
  return `${base.length}|${heads.join(',')}`
}

async function compareViews (live: Hypercore, rebuilt: Hypercore): Promise<RebuildResult> {
  const length = live.length
  const [liveHash, rebuiltHash] = await Promise.all([treeHash(live, length), treeHash(rebuilt, rebuilt.length)])
  const difference = await firstDifference(live, rebuilt, Math.min(length, rebuilt.length))
  if (difference !== null) return { liveHash, rebuiltHash, length, ...difference }
  let failure: MeshledgerError | null = null
  if (rebuilt.length !== length) {
    failure = MeshledgerError.viewMismatch(`the view has ${length} blocks, the one rebuilt from the logs ${rebuilt.length}`)
  } else if (liveHash !== rebuiltHash) {
    failure = MeshledgerError.viewMismatch(`the view's Merkle tree (${liveHash.slice(0, 16)}...) differs from the rebuilt one (${rebuiltHash.slice(0, 16)}...) though every block is equal`)
  }
  return { liveHash, rebuiltHash, length, failure }
}

/** The first block where the views differ (as stored: ciphertext, when encrypted), and why. */
async function firstDifference (live: Hypercore, rebuilt: Hypercore, length: number): Promise<{ block: number, failure: MeshledgerError } | null> {
  for (let i = 0; i < length; i++) {
    let x: Buffer | null
    try {
      x = await live.get(i, { raw: true, wait: false })
    } catch (err) {
      // Bytes changed in the storage files themselves: RocksDB's checksums fail the read.
      return { block: i, failure: MeshledgerError.viewUnreadable(`view block ${i} cannot be read: ${(err as Error).message}`) }
    }
    const y = await rebuilt.get(i, { raw: true, wait: false })
    if (x === null) return { block: i, failure: MeshledgerError.viewUnreadable(`view block ${i} is missing`) }
    if (y === null || !x.equals(y)) return { block: i, failure: MeshledgerError.viewMismatch(`view block ${i} differs from the view rebuilt from the logs`) }
  }
  return null
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
    const timer = setTimeout(() => done('stalled'), Math.max(0, stallAt - performance.now()))
    live.on('update', liveChanged)
    scratch.on('update', scratchChanged)
    scratch.view.core.on('append', scratchChanged)
    signal.addEventListener('abort', aborted)
    if (signal.aborted) aborted()
  })
}
