/**
 * Fault script: kill -9 under load tears Autobase's flush (issue 10, finding 2).
 *
 * Each round starts a child process that appends tiny entries to a plain Autobase + Hyperbee
 * from many concurrent loops while CPU hogs load the machine, kills it with SIGKILL at a random
 * moment, reopens the folder and checks that the view holds every acknowledged key exactly once
 * (one Hyperbee block per key) and that a fresh replica reaches the same view, signed.
 *
 * `node dist/faults/torn-flush.js [rounds]` prints one row per round; `--reuse` keeps one
 * folder across rounds (a kill sequence, as the finding was first seen).
 */
import { spawn } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { cpuHogs } from './load.js'
import { openPlain, readView, replicaMatches } from './plain-base.js'

/** Concurrent append loops in the child (the finding used 16 curl loops). */
const LOOPS = 16
/** The child is killed this long after it starts appending, at random. */
const KILL_MIN_MS = 200
const KILL_MAX_MS = 1500

/** Options of {@link runTornFlush}. */
export interface TornFlushOptions {
  rounds?: number
  /** CPU hog processes beside the child (0: a quiet machine). */
  hogs?: number
  /** Keep one folder across rounds instead of a fresh one per round. */
  reuse?: boolean
}

/** One kill and its check. */
export interface TornFlushRow {
  round: number
  /** Appends the child saw resolve before it was killed (all rounds so far with `reuse`). */
  acknowledged: number
  /** Of those, how many keys the reopened view holds. */
  found: number
  /** Every acknowledged key is there and the view holds exactly one block per key. */
  viewOk: boolean
  /** A fresh replica matched the view (length, tree hash) and saw it all signed. */
  replicaOk: boolean
  /** Wall time of the round. */
  ms: number
  /** Hyperbee blocks in the reopened view (header included): `keys + 1` when healthy. */
  viewLength: number
  /** Distinct keys in the reopened view. */
  keys: number
}

/** Run `rounds` kills; resolves with one row per round. */
export async function runTornFlush (opts: TornFlushOptions = {}): Promise<TornFlushRow[]> {
  const rounds = opts.rounds ?? 6
  const stopHogs = cpuHogs(opts.hogs ?? 1)
  const rows: TornFlushRow[] = []
  const root = await mkdtemp(path.join(tmpdir(), 'meshledger-fault-torn-'))
  try {
    const acked = new Set<string>()
    for (let round = 1; round <= rounds; round++) {
      const started = Date.now()
      const dir = path.join(root, opts.reuse === true ? 'primary' : `primary-${round}`)
      if (opts.reuse !== true) acked.clear()
      await killChildUnderLoad(dir, round, acked)

      const primary = await openPlain(dir)
      let row: TornFlushRow
      try {
        const state = await readView(primary.base)
        let found = 0
        for (const k of acked) if (state.keySet.has(k)) found++
        const viewOk = found === acked.size && state.viewLength === state.keys + 1
        const replicaOk = await replicaMatches(primary, path.join(root, `replica-${round}`), Buffer.from(`probe-${round}`))
        row = { round, acknowledged: acked.size, found, viewOk, replicaOk, ms: Date.now() - started, viewLength: state.viewLength, keys: state.keys }
        acked.add(`probe-${round}`)
      } finally {
        await primary.close()
      }
      rows.push(row)
    }
  } finally {
    stopHogs()
    await rm(root, { recursive: true, force: true })
  }
  return rows
}

/** Start the child on `dir`, let it append, SIGKILL it at a random moment; adds acked keys. */
async function killChildUnderLoad (dir: string, round: number, acked: Set<string>): Promise<void> {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), '--child', dir, String(round)], {
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let pending = ''
  let ready: () => void = () => {}
  const isReady = new Promise<void>((resolve) => { ready = resolve })
  child.stdout!.setEncoding('utf8')
  child.stdout!.on('data', (chunk: string) => {
    pending += chunk
    const lines = pending.split('\n')
    pending = lines.pop()!
    for (const line of lines) {
      if (line === 'ready') ready()
      else if (line !== '') acked.add(line)
    }
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  await Promise.race([isReady, exited])
  await new Promise((resolve) => setTimeout(resolve, KILL_MIN_MS + Math.random() * (KILL_MAX_MS - KILL_MIN_MS)))
  child.kill('SIGKILL')
  await exited
}

/** The child: append from {@link LOOPS} loops until killed, printing each acknowledged key. */
async function child (dir: string, round: string): Promise<void> {
  const { base } = await openPlain(dir)
  process.stdout.write('ready\n')
  const loop = async (l: number): Promise<void> => {
    for (let i = 0; ; i++) {
      const key = `r${round}-l${l}-${i}`
      await base.append(Buffer.from(key))
      process.stdout.write(key + '\n') // a pipe: synchronous on Linux, so no ack is lost to the kill
    }
  }
  await Promise.all(Array.from({ length: LOOPS }, (_, l) => loop(l)))
}

async function main (): Promise<void> {
  const args = process.argv.slice(2)
  if (args[0] === '--child') {
    await child(args[1], args[2])
    return
  }
  const rounds = Number(args.find((a) => /^\d+$/.test(a)) ?? 6)
  const rows = await runTornFlush({ rounds, reuse: args.includes('--reuse'), hogs: args.includes('--quiet') ? 0 : 1 })
  for (const row of rows) console.log(JSON.stringify(row))
  const bad = rows.filter((r) => !r.viewOk || !r.replicaOk).length
  console.log(`${rows.length - bad} of ${rows.length} rounds clean`)
  process.exitCode = bad === 0 ? 0 : 1
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main()
