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
 * Reads through to the view; writes stay in memory. Range reads see the view only, which is all
 * a handler needs (no handler range-reads what it wrote itself).
 */
function overlay (view: Hyperbee): Hyperbee.Batch {
  const written = new Map<string, Buffer | null>()
  return {
    async get (key) {
      const id = key.toString('hex')
      if (written.has(id)) {
        const value = written.get(id) ?? null
        return value === null ? null : { seq: Number.MAX_SAFE_INTEGER, key, value }
      }
      return view.get(key)
    },
    async put (key, value) { written.set(key.toString('hex'), value ?? Buffer.alloc(0)) },
    async del (key) { written.set(key.toString('hex'), null) },
    createReadStream: (range) => view.createReadStream(range),
    async flush () { throw new Error('a dry run never flushes') },
    async close () {}
  }
}

/** What apply would say of `op` written by `writer` at block `seq`, if the view stood still. */
export async function dryRun (view: Hyperbee, genesis: Buffer, writer: Buffer, seq: number, op: WireOp): Promise<Refusal | null> {
  const handler = handlerOf(op.t, PROTOCOL_VERSION)
  if (handler === null) return null
  const batch = overlay(view)
  if ((await roleOf(batch, writer, genesis)) === null) return { code: 'NOT_A_MEMBER', reason: 'this device is not a member' }
  const active = await activeProtocol(view)
  const ctx: OpContext = {
    batch, host: NO_HOST, genesis, writer, id: formatId(writer, seq, 0), address: { writer, seq, offset: 0 }, ts: op.s, active, live: false, cache: applyCache()
  }
  return handler.apply(ctx, op.d)
}
