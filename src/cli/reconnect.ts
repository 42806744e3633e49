/**
 * Waiting for a daemon to come back (`watch` across a restart): the daemon serving the data
 * folder, polled with a backoff of 250 ms doubling to 5 s, up to a bound; a note on stderr.
 */
import { formatDuration } from '../units.js'
import type { Client } from './client.js'
import { CliError } from './errors.js'

const FIRST_MS = 250
const MAX_MS = 5000

/**
 * The daemon's client once it answers again; throws `DAEMON_UNREACHABLE` (exit 5) when it has
 * not within `boundMs`, resolves null when `signal` aborts first.
 */
export async function awaitDaemon (command: string, data: string, boundMs: number, signal: AbortSignal): Promise<Client | null> {
  const { connectDaemon } = await import('./client.js')
  process.stderr.write(`meshledger ${command}: the daemon went away; reconnecting for up to ${formatDuration(boundMs)}\n`)
  const deadline = performance.now() + boundMs
  let wait = FIRST_MS
  while (!signal.aborted) {
    const client = await connectDaemon(data).catch(() => null)
    if (client !== null) {
      process.stderr.write(`meshledger ${command}: reconnected to ${client.url} (entries applied meanwhile are not replayed: query --since)\n`)
      return client
    }
    const left = deadline - performance.now()
    if (left <= 0) break
    await sleep(Math.min(wait, left), signal)
    wait = Math.min(wait * 2, MAX_MS)
  }
  if (signal.aborted) return null
  throw new CliError('DAEMON_UNREACHABLE', `no daemon came back on ${data} within ${formatDuration(boundMs)}`)
}

function sleep (ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => { clearTimeout(timer); signal.removeEventListener('abort', done); resolve() }
    const timer = setTimeout(done, ms)
    signal.addEventListener('abort', done, { once: true })
  })
}
