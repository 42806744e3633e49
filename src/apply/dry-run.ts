/**
 * Local checks before an append: run the op's handler against this device's view through an
 * overlay that keeps its writes in memory. The same code that apply runs decides, so a local
 * error and a remote rejection agree (the view may still move before the op is applied: then
 * apply's verdict, recorded on every peer, is the one that stands). The overlay never takes the
 * view's write lock, so checks neither queue behind apply nor behind each other, and concurrent
 * appends still group-commit.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
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
 * One version of the view that concurrent dry runs share, and its reads, memoised. Reads go
 * through the view's own Hyperbee, pinned at this version (`checkout`): its node and key caches
 * are warm, where a Hyperbee of its own would read every tree node from storage again for every
 * version, i.e. for every append (and leave its cache entries behind in the store's shared cache).
 * A pinned read never changes while the fork does not, so a memoised read is exactly the read it
 * stands for; a new version (apply flushed, or the view was truncated and rebuilt) gets a new one.
 */
interface SharedReads {
  view: Hyperbee
  length: number
  fork: number
  reads: Map<string, Promise<Hyperbee.Node | null>>
}

const shared = new WeakMap<Hyperbee, SharedReads>()

/** A truncation rewrote the version a dry run reads: it has no verdict (apply decides). */
const MOVED = new Error('the view was truncated during a dry run')

function acquire (view: Hyperbee): SharedReads {
  const core = view.core
  let s = shared.get(view)
  if (s === undefined || s.length !== core.length || s.fork !== core.fork) {
    s = { view, length: core.length, fork: core.fork, reads: new Map() }
    shared.set(view, s)
  }
  return s
}

function moved (s: SharedReads): boolean {
  return s.view.core.fork !== s.fork
}

/**
 * Reads through to the shared version of the view; writes stay in memory. Range reads see the
 * view only, which is all a handler needs (no handler range-reads what it wrote itself).
 */
function overlay (s: SharedReads): Hyperbee.Batch {
  const at = { checkout: Math.max(1, s.length) }
  const written = new Map<string, Buffer | null>()
  return {
    async get (key) {
      const id = key.toString('hex')
      if (written.has(id)) {
        const value = written.get(id) ?? null
        return value === null ? null : { seq: Number.MAX_SAFE_INTEGER, key, value }
      }
      let read = s.reads.get(id)
      if (read === undefined) {
        if (moved(s)) throw MOVED
        read = s.view.get(key, at)
        s.reads.set(id, read)
        // A failed read is not remembered: the next dry run tries again.
        read.catch(() => { if (s.reads.get(id) === read) s.reads.delete(id) })
      }
      return read
    },
    async put (key, value) { written.set(key.toString('hex'), value ?? Buffer.alloc(0)) },
    async del (key) { written.set(key.toString('hex'), null) },
    createReadStream: (range) => {
      if (moved(s)) throw MOVED
      return s.view.createReadStream(range, at)
    },
    async flush () { throw new Error('a dry run never flushes') },
    async close () {}
  }
}

/** What apply would say of `op` written by `writer` at block `seq`, if the view stood still. */
export async function dryRun (view: Hyperbee, genesis: Buffer, writer: Buffer, seq: number, op: WireOp): Promise<Refusal | null> {
  const handler = handlerOf(op.t, PROTOCOL_VERSION)
  if (handler === null) return null
  const s = acquire(view)
  const batch = overlay(s)
  let verdict: Refusal | null
  try {
    if ((await roleOf(batch, writer, genesis)) === null) {
      verdict = { code: 'NOT_A_MEMBER', reason: 'this device is not a member' }
    } else {
      const active = await activeProtocol(batch)
      const ctx: OpContext = {
        batch, host: NO_HOST, genesis, writer, id: formatId(writer, seq, 0), address: { writer, seq, offset: 0 }, ts: op.s, active, live: false, cache: applyCache()
      }
      verdict = await handler.apply(ctx, op.d)
    }
  } catch (err) {
    if (moved(s)) return null
    throw err
  }
  // Read across a truncation, the verdict may belong to no version of the view.
  return moved(s) ? null : verdict
}
