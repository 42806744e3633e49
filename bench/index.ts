/**
 * The meshledger bench: every figure next to a raw Holepunch baseline measured in the same run,
 * each side of each scenario in its own child process so memory figures stay separate.
 *
 * ```
 * npm run bench                      # everything
 * npm run bench -- --quick           # small N, a smoke run
 * npm run bench -- ingest latency    # some scenarios
 * ```
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { admission } from './admission.js'
import { audit } from './audit.js'
import { cli } from './cli.js'
import { daemon } from './daemon.js'
import { fleet } from './fleet.js'
import { history } from './history.js'
import { ingest } from './ingest.js'
import { latency } from './latency.js'
import { memory } from './memory.js'
import { propagation } from './propagation.js'
import { receipts } from './receipts.js'
import { semantics } from './semantics.js'
import { sync } from './sync.js'
import { peakRss, type Scenario, type Side, type SideResult } from './util.js'

/** Every scenario, in the order they run. */
export const scenarios: Scenario[] = [ingest, latency, fleet, admission, propagation, sync, memory, semantics, receipts, audit, daemon, history, cli]

/** Longest a child may take to exit by itself after reporting, ms. */
const EXIT_GRACE_MS = 20_000

/** Message a child sends its parent. */
type ChildMessage = { ok: true, result: SideResult } | { ok: false, error: string }

const SIDES: Side[] = ['ours', 'raw']

if (process.argv[2] === '--child') {
  await child(process.argv[3], process.argv[4] as Side, process.argv.includes('--quick'))
} else {
  await parent(process.argv.slice(2))
}

async function child (name: string, side: Side, quick: boolean): Promise<void> {
  const scenario = scenarios.find((s) => s.name === name)
  let message: ChildMessage
  try {
    if (scenario === undefined || !SIDES.includes(side)) throw new Error(`no scenario ${name}/${side}`)
    const result = await scenario.run(side, quick)
    result.metrics.peakMB ??= peakRss()
    message = { ok: true, result }
  } catch (err) {
    message = { ok: false, error: err instanceof Error ? err.stack ?? err.message : String(err) }
    process.exitCode = 1
  }
  // Run by hand (no IPC channel, e.g. under a profiler): print the result instead.
  if (process.send === undefined) console.log(JSON.stringify(message, null, 2))
  else process.send(message, () => process.disconnect())
}

/** Run one side of a scenario in a fresh process; notes a child that does not exit by itself. */
function runChild (name: string, side: Side, quick: boolean): Promise<SideResult> {
  return new Promise((resolve, reject) => {
    const args = ['--child', name, side, ...(quick ? ['--quick'] : [])]
    const proc = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--expose-gc'] })
    let message: ChildMessage | null = null
    let grace: NodeJS.Timeout | null = null
    proc.on('message', (m) => {
      message = m as ChildMessage
      grace = setTimeout(() => {
        if (message?.ok === true) message.result.notes.push(`child did not exit by itself within ${EXIT_GRACE_MS} ms (open handles); killed`)
        proc.kill('SIGKILL')
      }, EXIT_GRACE_MS)
    })
    proc.on('exit', (code, signal) => {
      if (grace !== null) clearTimeout(grace)
      const m = message as ChildMessage | null
      if (m === null) reject(new Error(`${name}/${side} exited (${code ?? signal}) without a result`))
      else if (!m.ok) reject(new Error(`${name}/${side} failed:\n${m.error}`))
      else resolve(m.result)
    })
  })
}

async function parent (args: string[]): Promise<void> {
  const quick = args.includes('--quick')
  const names = args.filter((a) => !a.startsWith('--'))
  const unknown = names.filter((n) => !scenarios.some((s) => s.name === n))
  if (unknown.length > 0) {
    console.error(`unknown scenario(s): ${unknown.join(', ')}; pick from ${scenarios.map((s) => s.name).join(', ')}`)
    process.exitCode = 2
    return
  }
  const picked = names.length === 0 ? scenarios : scenarios.filter((s) => names.includes(s.name))

  const rows: string[][] = [['figure', 'meshledger', 'raw baseline', 'ratio', 'rss (ours / raw, peak)']]
  const notes: string[] = []
  for (const scenario of picked) {
    const results: Partial<Record<Side, SideResult>> = {}
    for (const side of SIDES) {
      const started = Date.now()
      process.stderr.write(`running ${scenario.name}/${side}${quick ? ' (quick)' : ''}... `)
      try {
        results[side] = await runChild(scenario.name, side, quick)
        process.stderr.write(`${((Date.now() - started) / 1000).toFixed(1)} s\n`)
      } catch (err) {
        process.stderr.write('failed\n')
        notes.push(err instanceof Error ? err.message : String(err))
        process.exitCode = 1
      }
    }
    const { ours, raw } = results
    for (const side of SIDES) notes.push(...(results[side]?.notes ?? []).map((n) => `${scenario.name}/${side}: ${n}`))
    scenario.figures.forEach((figure, i) => {
      const a = measured(ours, figure.metric)
      const b = measured(raw, figure.metric)
      rows.push([
        figure.label,
        typeof a === 'string' ? a : `${fmt(a)} ${figure.unit}`,
        typeof b === 'string' ? b : `${fmt(b)} ${figure.unit}`,
        typeof a === 'string' || typeof b === 'string' ? '-' : `${(a / b).toFixed(2)}x`,
        i === 0 ? `${rss(ours)} / ${rss(raw)} MB` : ''
      ])
    })
  }

  console.log(`\nmeshledger bench${quick ? ' (quick)' : ''}: node ${process.version}, ratio = meshledger / raw\n`)
  printTable(rows)
  if (notes.length > 0) console.log(`\n${notes.map((n) => `- ${n}`).join('\n')}`)
}

function rss (result: SideResult | undefined): string {
  if (result === undefined) return '?'
  const { rssMB, peakMB } = result.metrics
  return `${rssMB === undefined ? '?' : fmt(rssMB)} (${peakMB === undefined ? '?' : fmt(peakMB)})`
}

/**
 * A side's figure, or why there is none: `failed` (the side did not finish) or `not run` (not
 * measured in this run, e.g. a fleet figure of an N left out of FLEET_SWEEP: NaN arrives as null).
 */
function measured (result: SideResult | undefined, metric: string): number | string {
  if (result === undefined) return 'failed'
  const x = result.metrics[metric] as number | null | undefined
  return typeof x === 'number' && Number.isFinite(x) ? x : 'not run'
}

function fmt (x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US')
  if (x >= 10) return x.toFixed(1)
  return x.toFixed(2)
}

function printTable (rows: string[][]): void {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)))
  const line = (r: string[]): string => `| ${r.map((cell, c) => cell.padEnd(widths[c])).join(' | ')} |`
  console.log(line(rows[0]))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const r of rows.slice(1)) console.log(line(r))
}
