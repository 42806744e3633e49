/**
 * Reads of a ledger's view that wait for a block only a peer holds end when the ledger closes.
 * A fast-forwarded view is sparse until it is fetched: a caller's `get` of an older entry waits for
 * a peer, and while it waits it holds Hyperbee's lock on that block, so every other read of the
 * block (the upkeep's protocol check, the member scan) queues behind it. A close that waits for
 * those passes, after the last peer left, waited for good (test/close-sparse-view.test.ts). So a
 * close first fails every block request of the view's read sessions.
 */
import type Hypercore from 'hypercore'

/** What a Hypercore session holds of its reads (Hypercore's `activeRequests` option). */
interface ReadSession {
  /** Hyperbee opens a snapshot session for each read; Autobase's apply writes through others. */
  readonly snapshotted: boolean
  readonly activeRequests: unknown[]
  clearRequests (requests: unknown[], error: Error): void
}

/** Fail the block requests of every read session open on `core` (all of its sessions in this process) with `error`. */
export function cancelPendingReads (core: Hypercore, error: Error): void {
  const sessions = (core as unknown as { sessions: ReadSession[] | null }).sessions ?? []
  for (const session of [...sessions]) {
    if (session.snapshotted && session.activeRequests.length > 0) session.clearRequests(session.activeRequests, error)
  }
}
