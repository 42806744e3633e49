/**
 * `/metrics`: valid for `promtool check metrics`, build info, append-to-applied and
 * append-to-confirmed histograms, HTTP durations by route pattern, an event-loop figure that
 * scrapes do not reset, peers counted per device. The example alert rules and Grafana dashboard
 * only use metrics the daemon exports.
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import test from 'brittle'
import { Metrics } from '../src/daemon/metrics.js'
import { peerFigures } from '../src/net/peer-figures.js'
import type { PeerInfo } from '../src/net/peers.js'
import { PROTOCOL_VERSION } from '../src/protocol/ops.js'
import { spawnDaemon } from './helpers/daemon.js'
import { create, group, tmp } from './helpers/index.js'

const ALERTS = new URL('../../examples/prometheus/alerts.yml', import.meta.url).pathname
const DASHBOARD = new URL('../../examples/grafana/meshledger-dashboard.json', import.meta.url).pathname

/** `promtool` on the PATH (Debian's `prometheus` package), or null. */
const PROMTOOL: string | null = await new Promise((resolve) => {
  execFile('promtool', ['--version'], (err) => resolve(err === null ? 'promtool' : null))
})
const NO_PROMTOOL = 'promtool not found (apt-get install prometheus): skipped'

async function promtool (args: string[], input?: string): Promise<{ code: number, output: string }> {
  const child = spawn(PROMTOOL as string, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (d: Buffer) => { output += d.toString() })
  child.stderr.on('data', (d: Buffer) => { output += d.toString() })
  child.stdin.end(input)
  const [code] = await once(child, 'exit')
  return { code: code as number, output }
}

/** The value of one sample line (`name{labels} value`), or null. */
function sample (text: string, series: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(series + ' '))
  return line === undefined ? null : Number(line.slice(series.length + 1))
}

/** Every metric family the page declares (`# TYPE name type`). */
function families (text: string): Set<string> {
  return new Set([...text.matchAll(/^# TYPE (\S+) /gm)].map((m) => m[1]))
}

test('the daemon\'s /metrics: promtool-clean, build info, append and HTTP histograms', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  for (let i = 0; i < 3; i++) t.is((await d.api('POST', '/v1/entries', { type: 'note', data: i })).status, 201)
  const missing = await d.api('GET', '/v1/entries/nope.0.0')
  const text = (await d.api('GET', '/metrics')).body as string

  const { version } = createRequire(import.meta.url)('../../package.json') as { version: string }
  t.is(sample(text, `meshledger_build_info{version="${version}",node="${process.version}",protocol="${PROTOCOL_VERSION}"}`), 1)
  // One device, the only indexer: each append is applied and confirmed when it answers.
  t.is(sample(text, 'meshledger_append_applied_seconds_count'), 3)
  t.is(sample(text, 'meshledger_append_confirmed_seconds_count'), 3)
  t.is(sample(text, 'meshledger_http_request_duration_seconds_count{method="POST",route="/v1/entries",status="201"}'), 3)
  t.is(sample(text, `meshledger_http_request_duration_seconds_count{method="GET",route="/v1/entries/:id",status="${missing.status}"}`), 1)
  t.absent(text.includes('nope.0.0'), 'routes by pattern, never the path')
  for (const name of ['process_resident_memory_bytes', 'process_cpu_seconds_total', 'nodejs_heap_size_used_bytes', 'nodejs_eventloop_lag_p99_seconds', 'meshledger_http_appends_total', 'meshledger_peers', 'meshledger_storage_free_bytes']) {
    t.ok(families(text).has(name), name)
  }

  if (PROMTOOL === null) {
    t.comment(NO_PROMTOOL)
    return
  }
  const checked = await promtool(['check', 'metrics'], text)
  t.is(checked.output.trim(), '', 'promtool check metrics has nothing to say')
  t.is(checked.code, 0)
})

test('append-to-confirmed is timed when confirmation comes later, from the indexer', async (t) => {
  const [, writer] = await group(t, ['writer'])
  const metrics = new Metrics({ ledger: () => writer, ready: async () => true, data: await tmp(t) })
  t.teardown(() => metrics.close())
  const entry = await writer.append({ type: 'note', data: 1 })
  metrics.appended(entry)
  // The timer reads the entry again after the view update that confirms it: poll the page.
  while (sample(await metrics.render(), 'meshledger_append_confirmed_seconds_count') !== 1) await new Promise((resolve) => setTimeout(resolve, 20))
  const text = await metrics.render()
  t.is(sample(text, 'meshledger_append_applied_seconds_count'), 1)
  t.is(sample(text, 'meshledger_append_confirmed_seconds_count'), 1)
  t.is(await writer.status(entry.id), 'confirmed')
})

test('the event-loop figure is not reset by a scrape', async (t) => {
  const ledger = await create(t)
  const metrics = new Metrics({ ledger: () => ledger, ready: async () => true, data: await tmp(t) })
  t.teardown(() => metrics.close())
  await new Promise((resolve) => setTimeout(resolve, 100)) // the sampler's timer is running
  const end = Date.now() + 300
  while (Date.now() < end) {} // hold the event loop for 300 ms
  await new Promise((resolve) => setTimeout(resolve, 50))
  const first = sample(await metrics.render(), 'nodejs_eventloop_lag_max_seconds') ?? 0
  const second = sample(await metrics.render(), 'nodejs_eventloop_lag_max_seconds') ?? 0
  t.ok(first >= 0.2, `the stall shows (${first} s)`)
  t.is(second, first, 'and still shows at the next scrape')
})

test('peers are devices: two connections to one device count once', async (t) => {
  const peer = (publicKey: string, via: PeerInfo['via']): PeerInfo => ({ publicKey, connectedAt: 0, initiator: true, via } as PeerInfo)
  const figures = peerFigures([peer('a', 'lan'), peer('a', 'dht'), peer('b', 'dht')])
  t.is(figures.devices, 2)
  t.alike(figures.connections, { dht: 2, lan: 1, direct: 0 })
})

test('example alert rules and Grafana dashboard use only exported metrics; promtool check rules', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  await d.api('POST', '/v1/entries', { type: 'note', data: 1 })
  const exported = families((await d.api('GET', '/metrics')).body as string)
  const base = (name: string): string => name.replace(/_(bucket|sum|count)$/, '')
  const used = (text: string): string[] => [...new Set([...text.matchAll(/\b((?:meshledger|nodejs|process)_[a-z0-9_]+)/g)].map((m) => base(m[1])))]

  const alerts = await readFile(ALERTS, 'utf8')
  const dashboard = JSON.parse(await readFile(DASHBOARD, 'utf8'))
  const exprs = JSON.stringify(dashboard.panels.flatMap((p: { targets?: Array<{ expr: string }> }) => (p.targets ?? []).map((x) => x.expr)))
  for (const [what, text] of [['alerts', alerts], ['dashboard', exprs]]) {
    const names = used(text)
    t.ok(names.length > 3, `${what} query the daemon's metrics`)
    for (const name of names) t.ok(exported.has(name), `${what}: ${name} is exported`)
  }
  t.is(dashboard.panels.length >= 6, true, 'the dashboard has its panels')

  if (PROMTOOL === null) {
    t.comment(NO_PROMTOOL)
    return
  }
  const checked = await promtool(['check', 'rules', ALERTS])
  t.is(checked.code, 0, checked.output.trim())
})
