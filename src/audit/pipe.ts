/**
 * Two replicas of this process replicating over an in-process stream pair, as the audit's
 * scratch copies are fed from the live store.
 */

/** Anything with Hypercore's `replicate(isInitiator)`: a Corestore, an Autobase. */
export interface Replicable {
  replicate (isInitiator: boolean): NodeJS.ReadWriteStream
}

/** Pipe `a.replicate(true)` and `b.replicate(false)` together; returns the function that ends it. */
export function pipeReplicas (a: Replicable, b: Replicable): () => void {
  const x = a.replicate(true)
  const y = b.replicate(false)
  x.pipe(y).pipe(x)
  // A stream torn down on purpose (or by a closing replica) errors; the audit reads its outcome elsewhere.
  x.on('error', () => {})
  y.on('error', () => {})
  return () => {
    for (const s of [x, y]) (s as NodeJS.ReadWriteStream & { destroy (): void }).destroy()
  }
}
