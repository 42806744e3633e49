/**
 * The command line's start-up: `meshledger --help` and `meshledger --version`, each run as a fresh
 * process, median wall time and peak RSS, against a bare `node -e ''` (the raw baseline: what any
 * Node command pays before its first line of code).
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import { now, percentile, type Scenario, type SideResult } from './util.js'

const BIN = fileURLToPath(new URL('../bin/meshledger.js', import.meta.url))

// Preloaded into each run: reports the process's peak RSS (KiB) and CPU time (µs) on fd 3 as it
// exits. CPU time is the figure a loaded machine stretches least.
const REPORT = 'data:text/javascript,' + encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { const u = process.resourceUsage(); writeSync(3, JSON.stringify([u.maxRSS, u.userCPUTime + u.systemCPUTime])) })")

/** `--help` and `--version` start-up time and memory. */
export const cli: Scenario = {
  name: 'cli',
  figures: [
    { label: 'meshledger --help, median wall time (raw: node -e "")', metric: 'helpMs', unit: 'ms' },
    { label: 'meshledger --version, median wall time (raw: node -e "")', metric: 'versionMs', unit: 'ms' },
    { label: 'meshledger --help, median CPU time, user + system (raw: node -e "")', metric: 'helpCpuMs', unit: 'ms' },
    { label: 'meshledger --help, peak RSS (raw: node -e "")', metric: 'helpPeakMB', unit: 'MB' }
  ],
  async run (side, quick) {
    const n = quick ? 5 : 21
    const help = side === 'ours' ? [BIN, '--help'] : ['-e', '']
    const version = side === 'ours' ? [BIN, '--version'] : ['-e', '']
    const a = await runs(help, n)
    const b = await runs(version, n)
    const result: SideResult = {
      metrics: { helpMs: percentile(a.ms, 0.5), versionMs: percentile(b.ms, 0.5), helpCpuMs: percentile(a.cpu, 0.5), helpPeakMB: percentile(a.mb, 0.5) },
      notes: []
    }
    if (side === 'ours') result.notes.push(`${n} runs each, one after the other; --help p90 ${percentile(a.ms, 0.9).toFixed(0)} ms, --version p90 ${percentile(b.ms, 0.9).toFixed(0)} ms (a loaded machine stretches these)`)
    return result
  }
}

async function runs (args: string[], n: number): Promise<{ ms: number[], cpu: number[], mb: number[] }> {
  const ms: number[] = []
  const cpu: number[] = []
  const mb: number[] = []
  for (let i = 0; i < n; i++) {
    const start = now()
    const child = spawn(process.execPath, ['--import', REPORT, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] })
    let report = ''
    child.stdio[3]?.on('data', (d: Buffer) => { report += d.toString() })
    const [code] = await once(child, 'exit') as [number]
    ms.push(now() - start)
    if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`)
    const [rssKiB, cpuUs] = JSON.parse(report) as [number, number]
    mb.push(rssKiB / 1024)
    cpu.push(cpuUs / 1000)
  }
  return { ms, cpu, mb }
}
