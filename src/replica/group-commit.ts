/**
 * Group commit: concurrent appends that arrive while a block is being written wait together and
 * travel as ONE Autobase block, so the per-block cost (signing, linearizing, replicating) is paid
 * once per batch, not once per entry. Each caller awaits only its own position.
 *
 * Callers that each wait for their own answer before appending again (HTTP clients, one request
 * in flight each) come back spread out: were the next block written at once, it would take only
 * the callers that had come back, the others would wait for the block after, and the two halves
 * would alternate for good, each block half full (the daemon's HTTP ingest ran at 32 entries a
 * block where the library's 64 in flight ran at 64, and most of a block's cost is per block). So
 * once a block is written, the next one waits for the callers of this round (those just answered
 * and those already waiting) to come back: a bounded commit delay, as PostgreSQL's `commit_delay`
 * or MySQL's `binlog_group_commit_sync_delay`, bounded here by the write it saves (see
 * {@link GroupCommit.linger}). A caller alone is never held: it was the whole round.
 */
import { MAX_BATCH_ENTRIES, MAX_BLOCK_BYTES, blockBytesBound, encodeBlock, encodeOp, type WireOp } from '../protocol/ops.js'
import type { Sealer } from '../proofs/seal.js'

/** Where a committed op landed: its block in the writer's log and its place in that block. */
export interface Committed {
  seq: number
  offset: number
  /** The protocol the block was stamped with. */
  protocol: number
}

/** Longest gap between two callers coming back that a lingering block waits out, ms. */
const MAX_LINGER_GAP_MS = 2

/** The gap, as a share of the last block's write time (a fast write waits less). */
const GAP_SHARE = 0.25

/** The gap a block waits out after one that took `writeMs` to write, ms. */
function lingerGap (writeMs: number): number {
  return Math.min(MAX_LINGER_GAP_MS, writeMs * GAP_SHARE)
}

/** Writes one encoded block and resolves with its index in the local log. */
export type WriteBlock = (block: Buffer) => Promise<number>

interface Waiting {
  op: WireOp
  /** The op as it goes into the block, and its size in bytes (what apply's limit measures). */
  entry: string
  bytes: number
  resolve: (c: Committed) => void
  reject: (err: unknown) => void
}

/** Batches ops into blocks, one block in flight at a time. */
export class GroupCommit {
  private readonly write: WriteBlock
  private readonly sealer: () => Sealer | undefined
  private queue: Waiting[] = []
  private flushing: Promise<void> | null = null
  /** The callers the lingering block waits for, and how to end the wait. */
  private awaited = 0
  private stopLinger: (() => void) | null = null

  /** Blocks written so far. */
  blocks = 0
  /** Ops written so far. */
  ops = 0

  /** `sealer` gives the writer's sealer once its key pair is known (blocks are sealed from then on). */
  constructor (write: WriteBlock, sealer: () => Sealer | undefined = () => undefined) {
    this.write = write
    this.sealer = sealer
  }

  /** Number of ops waiting for the next block. */
  get pending (): number {
    return this.queue.length
  }

  /** Queue an op already checked, `data` its data as checkOp encoded it; resolves once it is in the log. */
  push (op: WireOp, data: string): Promise<Committed> {
    const entry = encodeOp(op, data)
    const bytes = Buffer.byteLength(entry)
    return new Promise<Committed>((resolve, reject) => {
      this.queue.push({ op, entry, bytes, resolve, reject })
      if (this.flushing === null) this.flushing = this.drain()
      else if (this.stopLinger !== null && this.queue.length >= this.awaited) this.stopLinger()
    })
  }

  /** Resolves once every op queued so far is written (or failed); a block that lingers is written now. */
  async flushed (): Promise<void> {
    this.stopLinger?.()
    while (this.flushing !== null) await this.flushing
  }

  private async drain (): Promise<void> {
    // Let callers in the same tick join the first block.
    await Promise.resolve()
    try {
      while (this.queue.length > 0) {
        const started = performance.now()
        const written = await this.writeNext()
        // Those written and those that queued meanwhile: the callers of this round.
        // A full block's worth is enough: those beyond it would wait for the block after anyway.
        const round = Math.min(written + this.queue.length, MAX_BATCH_ENTRIES)
        const ms = performance.now() - started
        if (this.queue.length < round) await this.linger(round, lingerGap(ms), ms)
      }
    } finally {
      this.flushing = null
    }
  }

  /**
   * Wait until `callers` ops are queued, for the first of them at most `cap` ms (the last block's
   * write time: the wait never costs more than the write it saves), then while they keep coming,
   * each within `gap` ms of the one before. The deadline is checked in the turn of the event loop
   * after the timer, once its poll phase has read the requests already there.
   */
  private async linger (callers: number, gap: number, cap: number): Promise<void> {
    this.awaited = callers
    const start = performance.now()
    const first = this.queue.length
    let last = start
    let seen = first
    await new Promise<void>((resolve) => {
      let timer: NodeJS.Timeout | null = null
      let turn: NodeJS.Immediate | null = null
      const stop = (): void => {
        if (timer !== null) clearTimeout(timer)
        if (turn !== null) clearImmediate(turn)
        this.stopLinger = null
        resolve()
      }
      const arm = (): void => {
        const now = performance.now()
        if (this.queue.length > seen) last = now
        seen = this.queue.length
        const deadline = Math.min(start + cap, seen > first ? last + gap : start + cap)
        if (now >= deadline) return stop()
        timer = setTimeout(() => {
          timer = null
          turn = setImmediate(() => { turn = null; arm() })
        }, deadline - now)
      }
      this.stopLinger = stop
      arm()
    })
  }

  /** Write the next block; resolves with the number of ops it took (written or failed). */
  private async writeNext (): Promise<number> {
    // Pack by encoded bytes against an upper bound of the frame, so no block is ever one that
    // apply refuses whole (BLOCK_TOO_LARGE) after its callers heard "appended". One op always
    // fits: checkOp bounds an entry far below a block.
    let size = 0
    let count = 0
    while (count < this.queue.length && count < MAX_BATCH_ENTRIES) {
      const next = size + this.queue[count].bytes
      if (count > 0 && blockBytesBound(next, count + 1) > MAX_BLOCK_BYTES) break
      size = next
      count++
    }
    const batch = this.queue.splice(0, count)
    try {
      const block = encodeBlock(batch.map((w) => w.op), this.sealer(), batch.map((w) => w.entry))
      if (block.bytes.byteLength > MAX_BLOCK_BYTES) throw new RangeError(`group commit built a block of ${block.bytes.byteLength} bytes`)
      const seq = await this.write(block.bytes)
      this.blocks++
      this.ops += batch.length
      for (let i = 0; i < batch.length; i++) batch[i].resolve({ seq, offset: i, protocol: block.protocol })
    } catch (err) {
      for (const w of batch) w.reject(err)
    }
    return batch.length
  }
}
