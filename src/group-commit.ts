/**
 * Group commit: concurrent appends that arrive while a block is being written wait together and
 * travel as ONE Autobase block, so the per-block cost (signing, linearizing, replicating) is paid
 * once per batch, not once per entry. Each caller awaits only its own position.
 */
import { MAX_BATCH_ENTRIES, MAX_BLOCK_BYTES, encodeBlock, isSystemType, type WireOp } from './ops.js'
import type { Sealer } from './seal.js'

/** Where a committed op landed: its block in the writer's log and its place in that block. */
export interface Committed {
  seq: number
  offset: number
  /** True when the block also carries ledger (system) ops, whose effects only the view knows. */
  system: boolean
  /** The protocol the block was stamped with. */
  protocol: number
}

/** Writes one encoded block and resolves with its index in the local log. */
export type WriteBlock = (block: Buffer) => Promise<number>

interface Waiting {
  op: WireOp
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

  /** Queue an op (already validated, `bytes` its encoded size); resolves once it is in the log. */
  push (op: WireOp, bytes: number): Promise<Committed> {
    return new Promise<Committed>((resolve, reject) => {
      this.queue.push({ op, bytes, resolve, reject })
      if (this.flushing === null) this.flushing = this.drain()
    })
  }

  /** Resolves once every op queued so far is written (or failed). */
  async flushed (): Promise<void> {
    while (this.flushing !== null) await this.flushing
  }

  private async drain (): Promise<void> {
    // Let callers in the same tick join the first block.
    await Promise.resolve()
    try {
      while (this.queue.length > 0) await this.writeNext()
    } finally {
      this.flushing = null
    }
  }

  private async writeNext (): Promise<void> {
    let size = 0
    let count = 0
    while (count < this.queue.length && count < MAX_BATCH_ENTRIES) {
      const next = this.queue[count].bytes + 64
      if (count > 0 && size + next > MAX_BLOCK_BYTES) break
      size += next
      count++
    }
    const batch = this.queue.splice(0, count)
    try {
      const block = encodeBlock(batch.map((w) => w.op), this.sealer())
      const seq = await this.write(block.bytes)
      this.blocks++
      this.ops += batch.length
      const system = batch.some((w) => isSystemType(w.op.t))
      for (let i = 0; i < batch.length; i++) batch[i].resolve({ seq, offset: i, system, protocol: block.protocol })
    } catch (err) {
      for (const w of batch) w.reject(err)
    }
  }
}
