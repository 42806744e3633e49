/**
 * Local checks before an append: run the op's handler against this device's view through an
 * overlay that keeps its writes in memory. The same code that apply runs decides, so a local
 * error and a remote rejection agree (the view may still move before the op is applied: then
 * apply's verdict, recorded on every peer, is the one that stands). The overlay never takes the
 * view's write lock, so checks neither queue behind apply nor behind each other, and concurrent
 * appends still group-commit.
 */
import type Autobase from 'autobase'
import Hyperbee from 'hyperbee'
import safetyCatch from 'safety-catch'
import { formatId } from '../protocol/entry-id.js'
import { PROTOCOL_VERSION, type WireOp } from '../protocol/ops.js'
import type { Refusal } from '../protocol/vocabulary.js'
import { applyCache, type OpContext } from './context.js'
import { roleOf } from './membership.js'
import { activeProtocol } from './protocol-activation.js'
import { handlerOf } from './registry.js'

const NO_HOST: Autobase.Host = {
  addWriter: () => { throw new Error('dry run touched the host') },
  removeWriter: () => { throw new Error('dry run touched the host') },
  removeable: () => { throw new Error('dry run touched the host') },
  interrupt: () => { throw new Error('dry run touched the host') }
}

/**
 * One frozen version of the view that concurrent dry runs share: a single snapshot session
 * (Hyperbee would otherwise open and close one per get) and its reads, memoised. A snapshot never
 * changes, so a memoised read is exactly the read it stands for. A new version (apply flushed, or
 * the view was truncated and rebuilt) gets a new one; each closes when its last dry run ends, so
 * nothing stays open between bursts of appends.
 */
interface SharedReads {
  length: number
  fork: number
  bee: Hyperbee
  reads: Map<string, Promise<Hyperbee.Node | null>>
  users: number
}

const shared = new WeakMap<Hyperbee, SharedReads>()

function acquire (view: Hyperbee): SharedReads {
  const core = view.core
  let s = shared.get(view)
  if (s !== undefined && s.length === core.length && s.fork === core.fork) {
    s.users++
    return s
  }
  const bee = new Hyperbee(core.snapshot(), { _view: true, sessions: false, checkout: Math.max(1, core.length), keyEncoding: 'binary', valueEncoding: 'binary', extension: false })
  s = { length: core.length, fork: core.fork, bee, reads: new Map(), users: 1 }
  shared.set(view, s)
  return s
}

function release (view: Hyperbee, s: SharedReads): void {
  if (--s.users > 0) return
  if (shared.get(view) === s) shared.delete(view)
  s.bee.close().catch(safetyCatch)
}

/**
 * Reads through to the shared version of the view; writes stay in memory. Range reads see the
 * view only, which is all a handler needs (no handler range-reads what it wrote itself).
 */
function overlay (view: SharedReads): Hyperbee.Batch {
  const written = new Map<string, Buffer | null>()
  return {
    async get (key) {
      const id = key.toString('hex')
      if (written.has(id)) {
        const value = written.get(id) ?? null
        return value === null ? null : { seq: Number.MAX_SAFE_INTEGER, key, value }
      }
      let read = view.reads.get(id)
      if (read === undefined) {
        read = view.bee.get(key)
        view.reads.set(id, read)
        // A failed read is not remembered: the next dry run tries again.
        read.catch(() => { if (view.reads.get(id) === read) view.reads.delete(id) })
      }
      return read
    },
    async put (key, value) { written.set(key.toString('hex'), value ?? Buffer.alloc(0)) },
    async del (key) { written.set(key.toString('hex'), null) },
    createReadStream: (range) => view.bee.createReadStream(range),
    async flush () { throw new Error('a dry run never flushes') },
    async close () {}
  }
}

/** What apply would say of `op` written by `writer` at block `seq`, if the view stood still. */
export async function dryRun (view: Hyperbee, genesis: Buffer, writer: Buffer, seq: number, op: WireOp): Promise<Refusal | null> {
  const handler = handlerOf(op.t, PROTOCOL_VERSION)
  if (handler === null) return null
  const reads = acquire(view)
  try {
    const batch = overlay(reads)
    if ((await roleOf(batch, writer, genesis)) === null) return { code: 'NOT_A_MEMBER', reason: 'this device is not a member' }
    const active = await activeProtocol(batch)
    const ctx: OpContext = {
      batch, host: NO_HOST, genesis, writer, id: formatId(writer, seq, 0), address: { writer, seq, offset: 0 }, ts: op.s, active, live: false, cache: applyCache()
    }
    return await handler.apply(ctx, op.d)
  } finally {
    release(view, reads)
  }
}
