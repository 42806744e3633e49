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

// Preloaded into each run: reports the process's peak RSS (KiB) on fd 3 as it exits.
const REPORT_RSS = 'data:text/javascript,' + encodeURIComponent("import { writeSync } from 'node:fs'; process.on('exit', () => { writeSync(3, String(process.resourceUsage().maxRSS)) })")

/** `--help` and `--version` start-up time and memory. */
export const cli: Scenario = {
  name: 'cli',
  figures: [
    { label: 'meshledger --help, median wall time (raw: node -e "")', metric: 'helpMs', unit: 'ms' },
    { label: 'meshledger --version, median wall time (raw: node -e "")', metric: 'versionMs', unit: 'ms' },
    { label: 'meshledger --help, peak RSS (raw: node -e "")', metric: 'helpPeakMB', unit: 'MB' }
  ],
  async run (side, quick) {
    const n = quick ? 5 : 21
    const help = side === 'ours' ? [BIN, '--help'] : ['-e', '']
    const version = side === 'ours' ? [BIN, '--version'] : ['-e', '']
    const a = await runs(help, n)
    const b = await runs(version, n)
    const result: SideResult = {
      metrics: { helpMs: percentile(a.ms, 0.5), versionMs: percentile(b.ms, 0.5), helpPeakMB: percentile(a.mb, 0.5) },
      notes: []
    }
    if (side === 'ours') result.notes.push(`${n} runs each, one after the other; --help p90 ${percentile(a.ms, 0.9).toFixed(0)} ms, --version p90 ${percentile(b.ms, 0.9).toFixed(0)} ms (a loaded machine stretches these)`)
    return result
  }
}

async function runs (args: string[], n: number): Promise<{ ms: number[], mb: number[] }> {
  const ms: number[] = []
  const mb: number[] = []
  for (let i = 0; i < n; i++) {
    const start = now()
    const child = spawn(process.execPath, ['--import', REPORT_RSS, ...args], { stdio: ['ignore', 'ignore', 'inherit', 'pipe'] })
    let rss = ''
    child.stdio[3]?.on('data', (d: Buffer) => { rss += d.toString() })
    const [code] = await once(child, 'exit') as [number]
    ms.push(now() - start)
    if (code !== 0) throw new Error(`node ${args.join(' ')} exited ${code}`)
    mb.push(Number(rss) / 1024)
  }
  return { ms, mb }
}
