/**
 * `npm run faults`: the fault suite. Kills and stops the real daemon at random moments under
 * concurrent HTTP load with the CPU busy, fills its disk, flips bits in each kind of stored file,
 * and prints one row per round: entries acknowledged, entries found after restart, what `verify`
 * said, whether a fresh replica reaches the same view and sees a new entry confirmed, and the time
 * to recover. Exits 1 if any row is not clean. `--short` is the CI version.
 *
 *   node dist/faults/index.js [--short] [--only kill,sigterm,rotation,multibyte,bitflip,diskfull,autobase] [--rounds N] [--hogs N]
 */
import { cpus } from 'node:os'
import { parseArgs } from 'node:util'
import type { Row } from './check.js'
import { cpuHogs } from './load.js'
import { bitFlips, crashLoop, diskFull, multibyte, walRotation, type ScenarioOptions } from './scenarios.js'
import { runTornFlush } from './torn-flush.js'

const { values } = parseArgs({
  options: {
    short: { type: 'boolean', default: false },
    only: { type: 'string' },
    rounds: { type: 'string' },
    hogs: { type: 'string' },
    clients: { type: 'string', default: '16' }
  }
})

const short = values.short === true
const rounds = values.rounds === undefined ? (short ? 3 : 20) : Number(values.rounds)
const only = values.only === undefined ? null : new Set(values.only.split(','))
const hogs = values.hogs === undefined ? cpus().length : Number(values.hogs)

const COLUMNS: Array<[string, number, (r: Row) => string]> = [
  ['scenario', 22, (r) => r.scenario],
  ['round', 5, (r) => String(r.round)],
  ['acked', 6, (r) => String(r.acked)],
  ['found', 6, (r) => String(r.found)],
  ['verify', 24, (r) => r.verify],
  ['fresh replica', 22, (r) => r.replica],
  ['recover ms', 10, (r) => String(r.recoverMs)],
  ['clean', 5, (r) => r.clean ? 'yes' : 'NO'],
  ['note', 0, (r) => r.note ?? '']
]
const line = (cells: string[]): string => cells.map((c, i) => COLUMNS[i][1] === 0 ? c : c.padEnd(COLUMNS[i][1])).join(' | ')

const rows: Row[] = []
const opts = (n: number): ScenarioOptions => ({
  rounds: n,
  clients: Number(values.clients),
  onrow: (row) => {
    rows.push(row)
    console.log(line(COLUMNS.map(([, , cell]) => cell(row))))
  }
})

const SCENARIOS: Array<[string, () => Promise<unknown>]> = [
  ['kill', () => crashLoop('SIGKILL', opts(rounds))],
  ['sigterm', () => crashLoop('SIGTERM', opts(Math.max(1, Math.ceil(rounds / 4))))],
  ['rotation', () => walRotation(opts(Math.max(1, Math.ceil(rounds / 4))))],
  ['multibyte', () => multibyte(opts(1))],
  ['bitflip', () => bitFlips(opts(1))],
  ['diskfull', () => diskFull(opts(1))],
  // No reserve: the disk fills in the middle of Autobase's writes.
  ['diskfull', () => diskFull(opts(1), { args: ['--min-free', '0'], name: 'disk full, no reserve' })],
  // The same kills on plain Autobase + Hyperbee, no meshledger code: what the patch fixes.
  ['autobase', async () => {
    const o = opts(0)
    for (const r of await runTornFlush({ rounds: Math.max(1, Math.ceil(rounds / 4)), hogs: 0, reuse: true })) {
      o.onrow({ scenario: 'plain Autobase, kill -9', round: r.round, acked: r.acknowledged, found: r.found, verify: r.viewOk ? 'sound' : `${r.viewLength - 1} blocks, ${r.keys} keys`, replica: r.replicaOk ? 'equal, confirms' : 'no match', recoverMs: 0, clean: r.viewOk && r.replicaOk })
    }
  }]
]

console.log(`# meshledger faults: ${short ? 'short' : 'full'} run, ${rounds} kill rounds, ${hogs} CPU hogs, node ${process.version}`)
console.log(line(COLUMNS.map(([name]) => name)))
const stopHogs = cpuHogs(hogs)
const started = Date.now()
try {
  for (const [name, run] of SCENARIOS) if (only === null || only.has(name)) await run()
} finally {
  stopHogs()
}
const unclean = rows.filter((r) => !r.clean)
console.log(`# ${rows.length} rows, ${unclean.length} not clean, ${Math.round((Date.now() - started) / 1000)} s`)
process.exitCode = unclean.length === 0 ? 0 : 1
