/**
 * `/metrics` in the Prometheus text format, on prom-client: its process and Node.js runtime
 * defaults, `meshledger_build_info`, the ledger's figures read at each scrape (readiness, appends,
 * peers per device, view lengths, the view check, per-writer length and lag, free disk), and
 * histograms of this device's append-to-applied and append-to-confirmed times and of HTTP
 * request durations. The library knows nothing of it: the daemon feeds it.
 */
import { createRequire } from 'node:module'
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client'
import type { Entry } from '../protocol/entry.js'
import { PROTOCOL_VERSION } from '../protocol/ops.js'
import type { Ledger } from '../ledger.js'
import { AppendTimer } from './append-timer.js'
import { EventLoopDelay } from './event-loop.js'
import { freeBytes } from './recovery.js'
import { peerFigures } from '../net/peer-figures.js'

const { version } = createRequire(import.meta.url)('meshledger/package.json') as { version: string }

/** Seconds, from a millisecond group commit to a finality that waits for peers. */
const APPEND_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]
const HTTP_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** What {@link Metrics} reads at each scrape. */
export interface MetricsSource {
  /** The ledger served now. */
  ledger (): Ledger
  /** Whether it is up (not reopening after a fault) and takes writes. */
  ready (): Promise<boolean>
  /** The data folder, for its free space. */
  data: string
}

/** The daemon's metrics registry. */
export class Metrics {
  private readonly source: MetricsSource
  private readonly registry = new Registry()
  private readonly loop: EventLoopDelay
  private readonly timer: AppendTimer
  private readonly gauges: Record<string, Gauge>
  private readonly counters: Record<string, Counter>
  private readonly writerLength: Gauge
  private readonly writerLag: Gauge
  private readonly connections: Gauge
  private readonly httpAppends: Counter
  private readonly http: Histogram

  constructor (source: MetricsSource) {
    this.source = source
    const registers = [this.registry]
    // prom-client's own event-loop histogram cannot be left out; ours replaces its gauges
    // (event-loop.ts), so let it sample rarely.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 1000 })
    // Gauges named like counters, which `promtool check metrics` refuses: sum the labelled ones.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name)
    this.loop = new EventLoopDelay(this.registry)
    new Gauge({ name: 'meshledger_build_info', help: 'The running meshledger: its version, Node.js version and the highest protocol its code knows.', labelNames: ['version', 'node', 'protocol'], registers })
      .set({ version, node: process.version, protocol: String(PROTOCOL_VERSION) }, 1)
    const gauge = (name: string, help: string): Gauge => new Gauge({ name, help, registers })
    this.gauges = {
      ready: gauge('meshledger_ready', 'Whether the ledger is open and takes writes (0 while its disk is full).'),
      peers: gauge('meshledger_peers', 'Connected peer devices (each counted once, however many connections reach it).'),
      viewLength: gauge('meshledger_view_length', 'Length of the view (applied).'),
      signedLength: gauge('meshledger_view_signed_length', 'Length of the view signed by a quorum of indexers (confirmed).'),
      checked: gauge('meshledger_view_peers_checked', 'Connected peers that stated their confirmed view.'),
      agreeing: gauge('meshledger_view_peers_agreeing', 'Connected peers whose confirmed view matches this device\'s (up to the shorter of the two).'),
      mismatched: gauge('meshledger_view_peers_mismatched', 'Connected peers confirming a different history under the same indexer set.'),
      free: gauge('meshledger_storage_free_bytes', 'Free bytes on the filesystem of the data folder (appends get STORAGE_FULL below --min-free).')
    }
    this.connections = new Gauge({ name: 'meshledger_peer_connections', help: 'Connections to peers, by how they were reached (dht, lan, direct).', labelNames: ['via'], registers })
    this.writerLength = new Gauge({ name: 'meshledger_writer_length', help: 'Blocks of each member log held here.', labelNames: ['writer'], registers })
    this.writerLag = new Gauge({ name: 'meshledger_writer_lag', help: 'Blocks of each member log that peers have and this device lacks.', labelNames: ['writer'], registers })
    const counter = (name: string, help: string): Counter => new Counter({ name, help, registers })
    this.httpAppends = counter('meshledger_http_appends_total', 'Entries appended through the HTTP API.')
    this.counters = {
      entries: counter('meshledger_entries_appended_total', 'Entries this device appended since the ledger opened.'),
      blocks: counter('meshledger_blocks_appended_total', 'Blocks (group commits) this device appended since the ledger opened.'),
      forcedAcks: counter('meshledger_forced_acks_total', 'Acks this indexer wrote because finality had stalled with nothing changing (normally 0).')
    }
    const applied = new Histogram({ name: 'meshledger_append_applied_seconds', help: 'This device\'s appends through the API: from the append to the entry applied in the local view.', buckets: APPEND_BUCKETS, registers })
    const confirmed = new Histogram({ name: 'meshledger_append_confirmed_seconds', help: 'This device\'s appends through the API: from the append to the entry confirmed (signed by a quorum of indexers).', buckets: APPEND_BUCKETS, registers })
    this.timer = new AppendTimer({ applied: (s) => applied.observe(s), confirmed: (s) => confirmed.observe(s) })
    this.http = new Histogram({ name: 'meshledger_http_request_duration_seconds', help: 'HTTP requests by method, route pattern and status, from arrival to the end of the answer (a stream: its whole life).', labelNames: ['method', 'route', 'status'], buckets: HTTP_BUCKETS, registers })
  }

  /** Count one append accepted over HTTP; `entry` (when the write answers one) is timed to applied and confirmed. */
  appended (entry?: Entry): void {
    this.httpAppends.inc()
    if (entry !== undefined) this.timer.track(this.source.ledger(), entry)
  }

  /** One HTTP request ended: `route` is the route's pattern (`/v1/entries/:id`), never the path. */
  observeHttp (method: string, route: string, status: number, seconds: number): void {
    this.http.observe({ method, route, status: String(status) }, seconds)
  }

  /** Stop sampling and timing. */
  close (): void {
    this.loop.close()
    this.timer.close()
  }

  /** The metrics page. */
  async render (): Promise<string> {
    await this.refresh()
    return await this.registry.metrics()
  }

  /** Read the ledger's figures into the gauges and counters. */
  private async refresh (): Promise<void> {
    const ledger = this.source.ledger()
    const { gauges, counters } = this
    gauges.ready.set(await this.source.ready() ? 1 : 0)
    gauges.free.set(await freeBytes(this.source.data).catch(() => 0))
    const s = ledger.stats
    const set = (c: Counter, n: number): void => { c.reset(); c.inc(n) }
    set(counters.entries, s.appended.entries)
    set(counters.blocks, s.appended.blocks)
    set(counters.forcedAcks, s.forcedAcks)
    gauges.viewLength.set(s.view.length)
    gauges.signedLength.set(s.view.signedLength)
    // A ledger that is down has no view to check or peers; the page still renders, with meshledger_ready 0.
    const up = ledger.fault === null && ledger.closing === null
    const check = up ? ledger.viewCheck() : { peers: 0, agreeing: 0, mismatched: [] }
    gauges.checked.set(check.peers)
    gauges.agreeing.set(check.agreeing)
    gauges.mismatched.set(check.mismatched.length)
    const peers = peerFigures(up ? ledger.peers() : [])
    gauges.peers.set(peers.devices)
    for (const [via, n] of Object.entries(peers.connections)) this.connections.set({ via }, n)
    this.writerLength.reset()
    this.writerLag.reset()
    for (const w of s.writers) {
      this.writerLength.set({ writer: w.key }, w.length)
      this.writerLag.set({ writer: w.key }, w.lag)
    }
  }
}
