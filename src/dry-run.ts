/**
 * Local checks before an append: run the op's handler against a snapshot of this device's view
 * in a batch that is never flushed. The same code that apply runs decides, so a local error and a
 * remote rejection always agree (the view may still move before the op is applied: then apply's
 * verdict, recorded on every peer, is the one that stands).
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { formatId } from './entry-id.js'
import { PROTOCOL_VERSION, type Refusal, type WireOp } from './ops.js'
import { applyCache, type OpContext } from './semantics/context.js'
import { roleOf } from './semantics/membership.js'
import { handlerOf } from './semantics/registry.js'

const NO_HOST: Autobase.Host = {
  addWriter: () => { throw new Error('dry run touched the host') },
  removeWriter: () => { throw new Error('dry run touched the host') },
  removeable: () => { throw new Error('dry run touched the host') },
  interrupt: () => { throw new Error('dry run touched the host') }
}

/** What apply would say of `op` written by `writer` at block `seq`, if the view stood still. */
export async function dryRun (view: Hyperbee, genesis: Buffer, writer: Buffer, seq: number, op: WireOp): Promise<Refusal | null> {
  const handler = handlerOf(op.t, PROTOCOL_VERSION)
  if (handler === null) return null
  const snapshot = view.snapshot()
  const batch = snapshot.batch({ update: false })
  try {
    if ((await roleOf(batch, writer, genesis)) === null) return { code: 'NOT_A_MEMBER', reason: 'this device is not a member' }
    const ctx: OpContext = {
      batch, host: NO_HOST, genesis, writer, id: formatId(writer, seq, 0), address: { writer, seq, offset: 0 }, ts: op.s, live: false, cache: applyCache()
    }
    return await handler.apply(ctx, op.d)
  } finally {
    await batch.close()
    await snapshot.close()
  }
}
