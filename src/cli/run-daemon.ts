/**
 * `meshledger daemon`: resolve the configuration, start the daemon, print what a person needs
 * next, and stop cleanly on SIGINT/SIGTERM (finish in-flight appends, flush, close storage).
 */
import { format } from 'node:util'
import { resolveConfig, type DaemonConfig } from '../daemon/config.js'
import type { Daemon } from '../daemon/daemon.js'
import { Logger, onJournal, type LogLevel } from '../daemon/logger.js'
import { checkPort } from '../daemon/port-check.js'
import { SdNotifier } from '../daemon/sd-notify.js'
import { settleHeap } from '../replica/settle-heap.js'
import { keepAlive } from '../replica/keep-alive.js'
import { EXIT } from './constants.js'
import { exitCodeOf } from './errors.js'
import { welcomeLines } from './welcome.js'

/**
 * The daemon's log on stdout: JSON lines with `--json` or when stdout is not a terminal, each
 * line prefixed with its syslog priority when stdout is systemd's journald stream.
 */
export function daemonLog (level: LogLevel, json: boolean): Logger {
  return new Logger(level, { json: json || process.stdout.isTTY !== true, out: process.stdout, syslogPrefix: onJournal(1) })
}

/** Run the daemon until a signal; resolves with the exit code. */
export async function runDaemon (flags: Record<string, string | boolean | undefined>, defaultData: string): Promise<number> {
  // Listen before anything is printed: a signal that arrives before a listener exists kills the
  // process outright (its default action), possibly mid-write.
  let stop = (): void => {}
  const stopped = new Promise<void>((resolve) => { stop = resolve })
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  // Everything the daemon creates (RocksDB's files among them) holds or guards the ledger's keys.
  process.umask(0o077)
  const config: DaemonConfig = await resolveConfig(flags, process.env, defaultData)
  // A busy port fails before the library loads (half a second of CPU on a small board); the
  // daemon checks again when it opens, for library users.
  await checkPort(config.host, config.port, config.data)
  const { Daemon } = await import('../daemon/daemon.js')
  const log = daemonLog(config.logLevel, flags.json === true)
  // Dependencies print now and then (Hypercore announces each fork it detects with console.log):
  // keep stdout one event per line.
  console.log = (...args: unknown[]) => { log.info('library', { text: format(...args) }) }
  const daemon = new Daemon(config, log)
  // A ledger that failed for good must not leave a zombie answering 503: exit non-zero, and the
  // service manager (systemd's Restart=on-failure) starts it again.
  let code: number = EXIT.ok
  daemon.on('fatal', (err: unknown) => {
    code = exitCodeOf(err)
    if (code === EXIT.ok || code === EXIT.usage) code = EXIT.failed
    log.fatal('fatal', { error: String(err) })
    stop()
  })
  await daemon.ready()
  // Before `ready`, so whoever waits for it (a scrape, a test, systemd) sees the idle heap.
  await settleHeap()
  const ledger = daemon.ledger as NonNullable<Daemon['ledger']>
  log.info('ready', {
    mode: ledger.mode,
    ledger: ledger.key,
    device: ledger.deviceKey,
    writable: ledger.writable,
    api: daemon.url,
    data: config.data,
    token: `${config.data}/api-token`
  })
  // Under systemd (Type=notify) dependants start now, not when the process was spawned.
  const notifier = new SdNotifier(log)
  void notifier.send(['READY=1', `STATUS=serving ${daemon.url}`])
  // A person at a terminal, on a ledger just created: which key is which, and what to do next.
  if (ledger.mode === 'created' && flags.json !== true && process.stdout.isTTY === true) {
    process.stdout.write(welcomeLines({ ledger: ledger.key, device: ledger.deviceKey, api: daemon.url, data: config.data, defaultData }).join('\n'))
  }
  const alive = keepAlive()
  await stopped
  clearInterval(alive)
  log.info('stopping')
  void notifier.send(['STOPPING=1'])
  await daemon.close()
  await notifier.flushed()
  log.info('stopped')
  return code
}
