/**
 * A memory-reducing GC once a replica goes quiet after a catch-up (a gateway merging a fleet, a
 * device back from offline, a fresh sync).
 *
 * Applying thousands of blocks grows V8's young generation to its maximum (two 16 MiB semi-spaces
 * on 64-bit Node 20), and a full GC (even `global.gc()`) keeps it: a gateway that had merged 64
 * writers held 32 MB of empty new space. V8's memory reducer gives it back only once it sees a low
 * allocation rate for several seconds, which a replica still talking to its peers may not show.
 * So after {@link SETTLE_AFTER_BLOCKS} blocks, the first {@link SETTLE_IDLE_MS} without an apply
 * runs one memory-reducing GC (settle-heap.ts). It is one full GC per catch-up, and none during
 * one: each apply pushes the quiet time back. Under load V8 grows the young generation again.
 */
import safetyCatch from 'safety-catch'
import { MeshledgerError } from '../errors.js'
import { settleHeap } from './settle-heap.js'

/** Blocks applied since the last settle that make the next quiet time worth a settle. */
export const SETTLE_AFTER_BLOCKS = 1000

/** How long no block is applied before a catch-up counts as over, ms. */
export const SETTLE_IDLE_MS = 1000

/** When to settle; see {@link SETTLE_AFTER_BLOCKS} and {@link SETTLE_IDLE_MS}. */
export interface CatchUpSettleOptions {
  /** Blocks applied since the last settle (0: never settle). */
  blocks?: number
  /** Quiet time, ms. */
  idleMs?: number
}

/** Throw `INVALID_OPTION` unless `opts` is a {@link CatchUpSettleOptions} (or undefined). */
export function checkCatchUpSettle (opts: unknown): void {
  if (opts === undefined) return
  const { blocks, idleMs } = (typeof opts === 'object' && opts !== null ? opts : { blocks: NaN }) as CatchUpSettleOptions
  if (blocks !== undefined && !(Number.isSafeInteger(blocks) && blocks >= 0)) {
    throw MeshledgerError.invalidOption('catchUpSettle.blocks must be a non-negative integer (0: never settle)')
  }
  if (idleMs !== undefined && !(Number.isSafeInteger(idleMs) && idleMs > 0)) {
    throw MeshledgerError.invalidOption('catchUpSettle.idleMs must be a positive integer (ms)')
  }
}

/** Internal: one per open replica, told of every apply call. */
export class CatchUpSettle {
  private readonly blocks: number
  private readonly idleMs: number
  private readonly settled: () => void
  private pending = 0
  private timer: NodeJS.Timeout | null = null
  private closed = false

  /** `settled` is called after each settle that ran. */
  constructor (opts: CatchUpSettleOptions, settled: () => void) {
    this.blocks = opts.blocks ?? SETTLE_AFTER_BLOCKS
    this.idleMs = opts.idleMs ?? SETTLE_IDLE_MS
    this.settled = settled
  }

  /** An apply call applied `blocks` blocks. */
  applied (blocks: number): void {
    if (this.closed || this.blocks === 0) return
    this.pending += blocks
    if (this.pending < this.blocks) return
    if (this.timer !== null) {
      this.timer.refresh()
      return
    }
    this.timer = setTimeout(() => this.settle(), this.idleMs)
    this.timer.unref() // a quiet process may exit: the settle is only worth it to one that stays
  }

  /** No settle after this. */
  close (): void {
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
  }

  private settle (): void {
    this.timer = null
    this.pending = 0
    settleHeap().then((ran) => {
      if (ran && !this.closed) this.settled()
    }, safetyCatch)
  }
}
