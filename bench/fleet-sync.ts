/**
 * A fresh device syncing a fleet's history: one indexer and WRITERS writers, each appending
 * single entries awaited one at a time (one block per entry, as field devices write), then fresh
 * devices opened with fast-forward on and off, each fed by the indexer alone (in-memory pipe).
 * The clock runs from open until length and view hash equal the indexer's AND every view block
 * is local: fast-forward makes the view usable before its blocks are here (see sync.ts).
 *
 *   npx tsc -p . && node dist/bench/fleet-sync.js [entries=6400]
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import { Ledger } from '../src/index.js'
import { pipeReplicas } from '../src/audit/pipe.js'
import { alive, entryInput, now, removeDir, tempDir, until } from './util.js'

/** Writers besides the indexer. */
const WRITERS = 4
/** Longest one sync may take, ms. */
const WAIT_MS = 10 * 60_000

function viewOf (ledger: Ledger): Autobase<Hyperbee>['view'] {
  return (ledger as unknown as { replica: { base: Autobase<Hyperbee> } }).replica.base.view
}

async function freshSync (indexer: Ledger, fastForward: boolean, dirs: string[]): Promise<{ usableMs: number, ms: number }> {
  const length = indexer.length
  const hash = await indexer.hash()
  const dir = await tempDir(`fleet-sync-${fastForward ? 'ff' : 'noff'}`)
  dirs.push(dir)
  const start = now()
  const d = new Ledger({ storage: dir, key: indexer.key, encryptionKey: indexer.encryptionKey, swarm: false, fastForward })
  await d.ready()
  const unpipe = pipeReplicas(indexer, d)
  try {
    await alive(until(d, 'update', async () => d.length >= length && await d.hash() === hash), WAIT_MS, 'length and hash')
    const usableMs = now() - start
    await alive(viewOf(d).core.download({ start: 0, end: length }).done(), WAIT_MS, 'view blocks')
    return { usableMs, ms: now() - start }
  } finally {
    unpipe()
    await d.close()
  }
}

async function main (): Promise<void> {
  const n = Number(process.argv[2] ?? 6400)
  const dirs: string[] = []
  const ledgers: Ledger[] = []
  const unpipes: Array<() => void> = []
  try {
    const dirA = await tempDir('fleet-sync-a')
    dirs.push(dirA)
    const a = new Ledger({ storage: dirA, swarm: false, ackInterval: 200 })
    await a.ready()
    ledgers.push(a)
    const writers: Ledger[] = []
    for (let i = 0; i < WRITERS; i++) {
      const dir = await tempDir(`fleet-sync-w${i}`)
      dirs.push(dir)
      const w = new Ledger({ storage: dir, key: a.key, encryptionKey: a.encryptionKey, swarm: false, ackInterval: 200 })
      await w.ready()
      ledgers.push(w)
      unpipes.push(pipeReplicas(a, w))
      await a.addMember(w.deviceKey)
      writers.push(w)
    }
    for (const w of writers) await alive(until(w, 'update', () => w.writable), WAIT_MS, 'writable')

    const filled = now()
    const each = Math.ceil(n / WRITERS)
    await Promise.all(writers.map(async (w) => { for (let i = 0; i < each; i++) await w.append(entryInput) }))
    const total = each * WRITERS
    await alive(until(a, 'update', () => a.length >= total && viewOf(a).core.signedLength === viewOf(a).core.length && writers.every((w) => w.length === a.length)), WAIT_MS, 'indexer confirms all')
    console.log(`history: ${total} single-entry blocks from ${WRITERS} writers + 1 indexer, written in ${((now() - filled) / 1000).toFixed(1)} s; view length ${a.length}`)

    for (const fastForward of [true, false]) {
      const { usableMs, ms } = await freshSync(a, fastForward, dirs)
      console.log(`fast-forward ${fastForward ? 'on ' : 'off'}: ${Math.round(total / (ms / 1000))} entries/s ` +
        `(length + hash equal after ${usableMs.toFixed(0)} ms, all view blocks local after ${ms.toFixed(0)} ms)`)
    }
  } finally {
    for (const u of unpipes) u()
    for (const l of ledgers.reverse()) await l.close()
    for (const dir of dirs) await removeDir(dir)
  }
}

await main()
