/**
 * Two replicas of this process replicating over an in-process stream pair, as the audit's
 * scratch copies are fed from the live store.
 */

/** Anything with Hypercore's `replicate(isInitiator)`: a Corestore, an Autobase. */
export interface Replicable {
  replicate (isInitiator: boolean): NodeJS.ReadWriteStream
}

/** Streams to the audit's scratch copies: a peer on one is this process, not the network. */
const SCRATCH = new WeakSet<object>()

/** Whether `stream` (a Hypercore peer's) leads to one of the audit's scratch copies. */
export function isScratchStream (stream: unknown): boolean {
  return typeof stream === 'object' && stream !== null && SCRATCH.has(stream)
}

/**
 * Pipe `a.replicate(true)` and `b.replicate(false)` together; returns the function that ends it.
 * `scratch`: `b` is a scratch copy of the audit (see {@link isScratchStream}).
 */
export function pipeReplicas (a: Replicable, b: Replicable, { scratch = false }: { scratch?: boolean } = {}): () => void {
  const x = a.replicate(true)
  const y = b.replicate(false)
  // Peers hold the encrypted stream; `replicate()` answers its raw side, which points to it.
  if (scratch) SCRATCH.add((x as { noiseStream?: object }).noiseStream ?? x)
  x.pipe(y).pipe(x)
  // A stream torn down on purpose (or by a closing replica) errors; the audit reads its outcome elsewhere.
  x.on('error', () => {})
  y.on('error', () => {})
  return () => {
    for (const s of [x, y]) (s as NodeJS.ReadWriteStream & { destroy (): void }).destroy()
  }
}
