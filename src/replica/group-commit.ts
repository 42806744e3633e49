/**
 * Group commit: concurrent appends that arrive while a block is being written wait together and
 * travel as ONE Autobase block, so the per-block cost (signing, linearizing, replicating) is paid
 * once per batch, not once per entry. Each caller awaits only its own position.
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
  }
}
