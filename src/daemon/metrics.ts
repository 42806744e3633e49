/**
 * `/metrics` in the Prometheus text format: entries, appends, peers, per-writer lag, applied vs
 * confirmed view length, how many peers confirm the same view, RSS and event-loop lag.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import type { Ledger } from '../ledger.js'

/** Counters kept by the daemon and rendered on request. */
export class Metrics {
  private readonly current: () => Ledger
  private readonly ready: () => Promise<boolean>
  private readonly loop: IntervalHistogram
  private appends = 0

  /** `ledger` gives the ledger served now; `ready` whether it is up (not reopening after a fault). */
  constructor (ledger: () => Ledger, ready: () => Promise<boolean>) {
    this.current = ledger
    this.ready = ready
    this.loop = monitorEventLoopDelay({ resolution: 20 })
    this.loop.enable()
  }

  /** Count one append accepted over HTTP. */
  appended (): void {
    this.appends++
  }

  /** Stop sampling. */
  close (): void {
    this.loop.disable()
  }

  /** The metrics page. */
  async render (): Promise<string> {
    const ledger = this.current()
    const up = await this.ready()
    const s = ledger.stats
    // A ledger that is down has no view to check; the page still renders, with meshledger_ready 0.
    const check = ledger.fault === null && ledger.closing === null ? ledger.viewCheck() : { peers: 0, agreeing: 0, mismatched: [] }
    const lines: string[] = []
    const metric = (name: string, type: string, help: string, samples: Array<[string, number]>): void => {
      lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
      for (const [labels, value] of samples) lines.push(`${name}${labels} ${value}`)
    }
    metric('meshledger_ready', 'gauge', 'Whether the ledger is open and takes writes (0 while its disk is full).', [['', up ? 1 : 0]])
    metric('meshledger_http_appends_total', 'counter', 'Entries appended through the HTTP API.', [['', this.appends]])
    metric('meshledger_entries_appended_total', 'counter', 'Entries this device appended since start.', [['', s.appended.entries]])
    metric('meshledger_blocks_appended_total', 'counter', 'Blocks (group commits) this device appended since start.', [['', s.appended.blocks]])
    metric('meshledger_peers', 'gauge', 'Connected peers.', [['', s.peers]])
    metric('meshledger_view_length', 'gauge', 'Length of the view (applied).', [['', s.view.length]])
    metric('meshledger_view_signed_length', 'gauge', 'Length of the view signed by a quorum of indexers (confirmed).', [['', s.view.signedLength]])
    metric('meshledger_forced_acks_total', 'counter', 'Acks this indexer wrote because finality had stalled with nothing changing (normally 0).', [['', s.forcedAcks]])
    metric('meshledger_view_peers_checked', 'gauge', 'Connected peers that stated their confirmed view.', [['', check.peers]])
    metric('meshledger_view_peers_agreeing', 'gauge', 'Connected peers whose confirmed view matches this device\'s (up to the shorter of the two).', [['', check.agreeing]])
    metric('meshledger_view_peers_mismatched', 'gauge', 'Connected peers confirming a different history under the same indexer set.', [['', check.mismatched.length]])
    metric('meshledger_writer_length', 'gauge', 'Blocks of each member log held here.', s.writers.map((w) => [`{writer="${w.key}"}`, w.length]))
    metric('meshledger_writer_lag', 'gauge', 'Blocks of each member log that peers have and this device lacks.', s.writers.map((w) => [`{writer="${w.key}"}`, w.lag]))
    metric('process_resident_memory_bytes', 'gauge', 'Resident set size.', [['', process.memoryUsage.rss()]])
    metric('nodejs_eventloop_lag_p99_seconds', 'gauge', 'Event-loop delay, 99th percentile since the last scrape.', [['', this.loop.percentile(99) / 1e9]])
    this.loop.reset()
    return lines.join('\n') + '\n'
  }
}
