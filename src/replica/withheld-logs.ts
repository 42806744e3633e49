/**
 * Writer logs this device withholds: it keeps them and serves none of their blocks. A log `verify()` found damaged on disk is marked in
 * its own storage (the mark outlives restarts) and frozen. Hypercore's replicator advertises and
 * sends blocks only while `Peer.isActive()` holds, which is false for a core whose header is
 * frozen (hypercore/lib/replicator.js: `broadcastRange`, `_onwant`, `_fulfillRequest`); hypercore
 * itself freezes a core that turned out to have a conflicting fork, so freezing is the stack's own
 * way to stop spreading a log it cannot vouch for. Peers still get its signed length, never its
 * blocks. The flag lives in memory only (hypercore persists just its own conflict freezes), so
 * the mark is applied again each time the log is opened.
 */
import type Hypercore from 'hypercore'

/** The user-data key of the mark. */
const MARK = 'meshledger/damaged'

/** Why a log is withheld: the problem `verify()` found, and when. */
export interface DamageMark {
  code: string
  message: string
  block?: number
  /** ms since the epoch. */
  at: number
}

/** The part of a session's internal core this needs (hypercore 11.37.1). */
interface Internals {
  core: { header: { frozen: boolean } }
}

/** Record that `core` is damaged and stop serving it now. */
export async function markDamaged (core: Hypercore, mark: DamageMark): Promise<void> {
  await core.setUserData(MARK, Buffer.from(JSON.stringify(mark)))
  withhold(core)
}

/** The damage mark of `core`, or null. */
export async function damageMark (core: Hypercore): Promise<DamageMark | null> {
  const value = await core.getUserData(MARK)
  return value === null ? null : JSON.parse(value.toString()) as DamageMark
}

/** Freeze `core` when it carries a damage mark; true when it does. */
export async function withholdIfMarked (core: Hypercore): Promise<boolean> {
  if ((await damageMark(core)) === null) return false
  withhold(core)
  return true
}

function withhold (core: Hypercore): void {
  (core as unknown as Internals).core.header.frozen = true
}
