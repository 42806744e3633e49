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
 * One version of the view that concurrent dry runs share: a read-only batch checked out at that
 * length, and its reads, memoised. The batch reads through the view's own node cache (a
 * snapshot Hyperbee would start with an empty one, so the first checks after each block walked
 * the tree cold from disk) and opens no session, so the version stays until the view moves:
 * an append awaited alone reuses the last one. Blocks below the checkout never change within a
 * fork, so a read that ends in the fork it began in is exactly the read it stands for; one that
 * a truncation overtook is dropped, and the check runs again on the new version.
 */
interface SharedReads {
  length: number
  fork: number
  batch: Hyperbee.Batch
  reads: Map<string, Promise<Hyperbee.Node | null>>
  /** By writer (hex): what every check of its ops asks first, decoded once per version. */
  standing: Map<string, Promise<Standing>>
  users: number
}

/** Whether the writer is a member, and the ledger's active protocol. */
interface Standing {
  member: boolean
  active: number
}

/** A check that a truncation overtook (the view was reordered under it): run it again. */
const OVERTAKEN = Symbol('overtaken')

/** How many times a check starts again after truncations before it gives up and lets apply decide. */
const MAX_RETRIES = 3

const shared = new WeakMap<Hyperbee, SharedReads>()

function acquire (view: Hyperbee): SharedReads {
  const core = view.core
  const s = shared.get(view)
  if (s !== undefined && s.length === core.length && s.fork === core.fork) {
    s.users++
    return s
  }
  if (s !== undefined && s.users === 0) s.batch.close().catch(safetyCatch)
  const next: SharedReads = {
    length: core.length,
    fork: core.fork,
    batch: view.batch({ checkout: Math.max(1, core.length), update: false }),
    reads: new Map(),
    standing: new Map(),
    users: 1
  }
  shared.set(view, next)
  return next
}

function release (view: Hyperbee, s: SharedReads): void {
  if (--s.users > 0 || shared.get(view) === s) return
  s.batch.close().catch(safetyCatch)
}

/**
 * Reads through to the shared version of the view; writes stay in memory. Range reads see the
 * view only, which is all a handler needs (no handler range-reads what it wrote itself).
 */
function overlay (view: Hyperbee, s: SharedReads): Hyperbee.Batch {
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
        read = s.batch.get(key).then((node) => {
          if (view.core.fork !== s.fork) throw OVERTAKEN
          return node
        })
        s.reads.set(id, read)
        // A failed read is not remembered: the next dry run tries again.
        read.catch(() => { if (s.reads.get(id) === read) s.reads.delete(id) })
      }
      return read
    },
    async put (key, value) { written.set(key.toString('hex'), value ?? Buffer.alloc(0)) },
    async del (key) { written.set(key.toString('hex'), null) },
    createReadStream: (range) => s.batch.createReadStream(range),
    async flush () { throw new Error('a dry run never flushes') },
    async close () {}
  }
}

/** The writer's standing at this version, read once for all the checks of its ops. */
function standingOf (view: Hyperbee, s: SharedReads, writer: Buffer, genesis: Buffer): Promise<Standing> {
  const id = writer.toString('hex')
  let known = s.standing.get(id)
  if (known === undefined) {
    const batch = overlay(view, s)
    const read = async (): Promise<Standing> => ({ member: (await roleOf(batch, writer, genesis)) !== null, active: await activeProtocol(batch) })
    const pending = read()
    s.standing.set(id, pending)
    pending.catch(() => { if (s.standing.get(id) === pending) s.standing.delete(id) })
    known = pending
  }
  return known
}

/** What apply would say of `op` written by `writer` at block `seq`, if the view stood still. */
export async function dryRun (view: Hyperbee, genesis: Buffer, writer: Buffer, seq: number, op: WireOp): Promise<Refusal | null> {
  const handler = handlerOf(op.t, PROTOCOL_VERSION)
  if (handler === null) return null
  for (let attempt = 0; ; attempt++) {
    const reads = acquire(view)
    try {
      const { member, active } = await standingOf(view, reads, writer, genesis)
      if (!member) return { code: 'NOT_A_MEMBER', reason: 'this device is not a member' }
      const batch = overlay(view, reads)
      const ctx: OpContext = {
        batch, host: NO_HOST, genesis, writer, id: formatId(writer, seq, 0), address: { writer, seq, offset: 0 }, ts: op.s, active, live: false, cache: applyCache()
      }
      return await handler.apply(ctx, op.d)
    } catch (err) {
      if (err !== OVERTAKEN) throw err
      // The view keeps being reordered: append anyway, apply's verdict is the one that stands.
      if (attempt >= MAX_RETRIES) return null
    } finally {
      release(view, reads)
    }
  }
}
