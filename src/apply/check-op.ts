/**
 * The whole shape check of one op, the same on the local append path (a coded error, nothing
 * appended) and in apply (a recorded rejection): the protocol's frame check, then, for an op the
 * ledger interprets, its handler's pure check of the data.
 */
import { PROTOCOL_VERSION, checkOpFrame, type WireOp } from '../protocol/ops.js'
import { isReserved } from '../protocol/op-types.js'
import { refuse, type Refusal } from '../protocol/vocabulary.js'
import { handlerOf } from './registry.js'

/**
 * Check an op's shape under `protocol`. Returns the encoded data (so callers never stringify
 * twice) or a refusal. State-dependent checks (funds, ownership, roles) are the handlers' apply.
 */
export function checkOp (op: WireOp, protocol = PROTOCOL_VERSION): { json: string, data: unknown } | Refusal {
  const encoded = checkOpFrame(op, protocol)
  if ('code' in encoded) return encoded
  if (isReserved(op.t, protocol)) {
    const handler = handlerOf(op.t, protocol)
    if (handler === null) return refuse('INVALID_ENTRY', `unknown ledger op ${op.t}`)
    // The checked copy, never the caller's value: what the check sees is what gets written.
    const refusal = handler.check(encoded.data)
    if (refusal !== null) return refusal
  }
  return encoded
}
