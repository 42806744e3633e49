/**
 * The API's port, checked before the daemon touches its data folder: a busy port fails the start
 * in well under a second, with nothing created and the fix in the message. When the port is held
 * by a meshledger daemon (its `/healthz` states a pid) the message gives its address, and says so
 * if it is the daemon of this very folder (its `daemon.json` names that pid).
 */
import { createServer } from 'node:net'
import { DaemonError } from './api-errors.js'
import { runningDaemon } from './daemon-info.js'

/** How long the holder of a busy port has to answer `/healthz`. */
const PROBE_MS = 500

/** `http://host:port`, brackets around an IPv6 address. */
function apiUrl (host: string, port: number): string {
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
}

/**
 * Resolve if `host:port` can be listened on (port 0 always can); otherwise reject with
 * `DAEMON_RUNNING` (this folder's daemon holds it) or `PORT_IN_USE` (with what holds it, and the fix).
 * Any other listen error (an address not on this machine, a privileged port) is rejected as is.
 */
export async function checkPort (host: string, port: number, data: string): Promise<void> {
  if (port === 0) return
  const server = createServer()
  try {
    await new Promise<void>((resolve, reject) => { server.once('error', reject).listen(port, host, resolve) })
  } catch (err) {
    throw await explainListenError(err, host, port, data)
  }
  await new Promise((resolve) => server.close(resolve))
}

/** A listen error as the daemon reports it: `EADDRINUSE` explained (see {@link checkPort}), others as they are. */
export async function explainListenError (err: unknown, host: string, port: number, data: string): Promise<unknown> {
  return (err as NodeJS.ErrnoException)?.code === 'EADDRINUSE' ? await whoListens(host, port, data) : err
}

async function whoListens (host: string, port: number, data: string): Promise<DaemonError> {
  // A wildcard address is busy when a daemon listens on loopback: ask there.
  const url = apiUrl(host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host, port)
  const pid = await meshledgerPid(url)
  const fix = `start this one on another port with --port N, or --port 0 for any free one`
  if (pid === null) return DaemonError.portInUse(`${host}:${port} is in use by another program; ${fix}`)
  const own = await runningDaemon(data)
  if (own !== null && own.pid === pid) {
    return DaemonError.daemonRunning(`a daemon (pid ${pid}) already serves this folder at ${own.url}: use it (meshledger status --data ${data}), or stop it first`)
  }
  return DaemonError.portInUse(`another meshledger daemon (pid ${pid}, on another data folder) serves ${url}; ${fix}`)
}

/** The pid a meshledger daemon at `url` states on `/healthz`, or null for anything else. */
async function meshledgerPid (url: string): Promise<number | null> {
  try {
    const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(PROBE_MS) })
    const body = await res.json() as { ok?: unknown, pid?: unknown }
    return body?.ok === true && typeof body.pid === 'number' ? body.pid : null
  } catch {
    return null
  }
}
