/**
 * Event-loop delay for `/metrics`, over fixed windows rather than "since the last scrape".
 *
 * prom-client's default event-loop gauges reset Node's delay histogram at every scrape, so each
 * scraper (Prometheus, a dashboard, `curl`) sees only the delay since the previous one, whoever
 * made it. Here the histogram is rotated by a timer of its own: the gauges hold the last full
 * window (during the first window: everything so far), the same for every reader.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks'
import { Gauge, type Registry } from 'prom-client'

/** How long one window of event-loop delay lasts (ms). */
export const EVENT_LOOP_WINDOW_MS = 60_000

/** The gauges, by prom-client's names; `lag` is prom-client's own (the delay of one setImmediate). */
const FIGURES = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const
type Figure = typeof FIGURES[number]

/** Delay histogram figures, in seconds. */
type Snapshot = Record<Figure, number>

/** The figures of `h`, less the sampling interval (`resolution` ms) that every sample includes. */
function snapshot (h: IntervalHistogram, resolution: number): Snapshot {
  // An empty histogram reports min as 2^63: nothing was sampled yet.
  if (h.count === 0) return { min: 0, max: 0, mean: 0, stddev: 0, p50: 0, p90: 0, p99: 0 }
  const s = (ns: number): number => Math.max(0, ns / 1e9 - resolution / 1000)
  return { min: s(h.min), max: s(h.max), mean: s(h.mean), stddev: h.stddev / 1e9, p50: s(h.percentile(50)), p90: s(h.percentile(90)), p99: s(h.percentile(99)) }
}

/** Samples the event loop and serves the last full window's figures to every scrape alike. */
export class EventLoopDelay {
  private readonly histogram: IntervalHistogram
  private readonly timer: NodeJS.Timeout
  private last: Snapshot | null = null

  /**
   * Registers `nodejs_eventloop_lag_<figure>_seconds` in `registry`, replacing prom-client's
   * resetting ones of the same name if `collectDefaultMetrics` put them there.
   */
  constructor (registry: Registry, { windowMs = EVENT_LOOP_WINDOW_MS, resolution = 20 }: { windowMs?: number, resolution?: number } = {}) {
    this.histogram = monitorEventLoopDelay({ resolution })
    this.histogram.enable()
    this.timer = setInterval(() => {
      this.last = snapshot(this.histogram, resolution)
      this.histogram.reset()
    }, windowMs).unref()
    const seconds = Math.round(windowMs / 1000)
    for (const figure of FIGURES) {
      const name = `nodejs_eventloop_lag_${figure}_seconds`
      registry.removeSingleMetric(name)
      const read = (): Snapshot => this.last ?? snapshot(this.histogram, resolution)
      const gauge: Gauge = new Gauge({
        name,
        help: `Event-loop delay beyond the ${resolution} ms sampling interval, ${figure}, over the last full ${seconds} s window (not reset by scrapes).`,
        registers: [registry],
        collect () { gauge.set(read()[figure]) }
      })
    }
  }

  /** Stop sampling. */
  close (): void {
    clearInterval(this.timer)
    this.histogram.disable()
  }
}
