/**
 * Give back the young generation a burst of work grew: the daemon's start-up, a replica's catch-up
 * (catch-up-settle.ts).
 *
 * Loading the daemon's modules keeps most of what it allocates alive (module code, schemas), so
 * V8 grows the young generation to its maximum (two 8 MiB semi-spaces) while the daemon starts,
 * and keeps it until its memory reducer runs a memory-reducing GC, about 10 s later. Until then
 * an idle daemon holds ~17 MB it does not use. A memory-reducing GC at ready frees it at once:
 * Node 20 has no call for one but the inspector's `HeapProfiler.collectGarbage`, which is V8's
 * low-memory notification (a full GC that also shrinks the young generation to its initial
 * size). Under load V8 grows it again as it always does, so throughput is unchanged.
 */
import type { Session } from 'node:inspector'

/**
 * Run one memory-reducing garbage collection. Resolves with whether it ran: false on a Node
 * built without the inspector, where V8's memory reducer does the same a few seconds later.
 */
export async function settleHeap (): Promise<boolean> {
  let session: Session
  try {
    session = new (await import('node:inspector')).Session()
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ERR_INSPECTOR_NOT_AVAILABLE') return false
    throw err
  }
  session.connect()
  try {
    return await new Promise<boolean>((resolve) => {
      session.post('HeapProfiler.collectGarbage', (err) => resolve(err === null))
    })
  } finally {
    // Not from inside the callback: a session disconnected while it dispatches a reply stalls.
    setImmediate(() => session.disconnect())
  }
}
