/**
 * Readiness for a service manager (systemd's `Type=notify`): tell it when the daemon is ready to
 * serve and when it begins to stop, so units ordered after it start only once the ledger is open
 * and the API listens.
 *
 * sd_notify(3) is one AF_UNIX datagram to `$NOTIFY_SOCKET`, which Node's core cannot send (its
 * unix sockets are streams only). systemd's own `systemd-notify` sends it; it waits until the
 * manager has read the message (a barrier), so the message cannot outlive the process it is
 * attributed to. A child speaks for the daemon, so the unit sets `NotifyAccess=all`.
 */
import { execFile } from 'node:child_process'
import type { Logger } from './logger.js'

/** How long `systemd-notify` may take, barrier included (it gives up after 5 s itself). */
const NOTIFY_TIMEOUT_MS = 10_000

/**
 * Send `assignments` (`READY=1`, `STOPPING=1`, `STATUS=...`) to the service manager, if one
 * listens (`$NOTIFY_SOCKET` is set); otherwise do nothing. Never throws: a failure is logged as
 * `sd-notify-failed` (under systemd a missing READY=1 ends in the start timeout, which names it).
 * Resolves with whether the manager was told.
 */
export async function sdNotify (log: Logger, assignments: string[], env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const socket = env.NOTIFY_SOCKET
  if (socket === undefined || socket === '') return false
  return await new Promise<boolean>((resolve) => {
    execFile('systemd-notify', assignments, { env, timeout: NOTIFY_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err === null) {
        resolve(true)
        return
      }
      log.warn('sd-notify-failed', { socket, sent: assignments, error: stderr.trim() || err.message, note: 'systemd-notify (package systemd) sends the readiness message' })
      resolve(false)
    })
  })
}
