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
 * Tells the service manager, if one listens (`$NOTIFY_SOCKET` is set), in the order the daemon
 * spoke: each message is one `systemd-notify` child, and a child starts only once the one before
 * it has been read. Unordered, a daemon stopped just after it became ready could say STOPPING=1
 * before READY=1 (the READY child still starting on a loaded machine).
 */
export class SdNotifier {
  private readonly log: Logger
  private readonly env: NodeJS.ProcessEnv
  private last: Promise<boolean> = Promise.resolve(false)

  constructor (log: Logger, env: NodeJS.ProcessEnv = process.env) {
    this.log = log
    this.env = env
  }

  /**
   * Send `assignments` (`READY=1`, `STOPPING=1`, `STATUS=...`) after everything sent before.
   * Never rejects: a failure is logged as `sd-notify-failed` (under systemd a missing READY=1
   * ends in the start timeout, which names it). Resolves with whether the manager was told.
   */
  async send (assignments: string[]): Promise<boolean> {
    const sent = this.last.then(async () => await this.deliver(assignments))
    this.last = sent
    return await sent
  }

  /** Resolves once every message sent so far has been delivered or has failed. */
  async flushed (): Promise<void> {
    await this.last
  }

  private async deliver (assignments: string[]): Promise<boolean> {
    const socket = this.env.NOTIFY_SOCKET
    if (socket === undefined || socket === '') return false
    return await new Promise<boolean>((resolve) => {
      execFile('systemd-notify', assignments, { env: this.env, timeout: NOTIFY_TIMEOUT_MS }, (err, _stdout, stderr) => {
        if (err === null) {
          resolve(true)
          return
        }
        this.log.warn('sd-notify-failed', { socket, sent: assignments, error: stderr.trim() || err.message, note: 'systemd-notify (package systemd) sends the readiness message' })
        resolve(false)
      })
    })
  }
}
