/**
 * Holding the process open while it waits on something that keeps no handle of its own:
 * autobase's timers (its ack timer, the watchdog's) are unref'd, an in-memory pipe holds no
 * socket, an offline daemon listens on nothing but signals.
 */

/** Never fires; long enough that it costs nothing. */
const FOREVER_MS = 1 << 30

/** A ref'd timer that never fires: the process stays up until `clearInterval` on it. */
export function keepAlive (): NodeJS.Timeout {
  return setInterval(() => {}, FOREVER_MS)
}
