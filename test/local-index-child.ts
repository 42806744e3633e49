/**
 * Child of test/local-index-crash.test.ts: opens the ledger in `argv[2]` (creating it the first
 * time) and appends entries without end; after the `argv[3]`-th view update it kills itself
 * (SIGKILL) on the next turn of the event loop, while the local index is deriving that update.
 */
import { fileURLToPath } from 'node:url'
import { Ledger } from '../src/index.js'

async function main (dir: string, updates: number): Promise<void> {
  const ledger = new Ledger({ storage: dir, swarm: false, ackInterval: 50 })
  await ledger.ready()
  let seen = 0
  ledger.on('update', () => {
    if (++seen === updates) setImmediate(() => process.kill(process.pid, 'SIGKILL'))
  })
  for (let i = 0; ; i++) {
    const batch = Array.from({ length: 1 + (i % 7) }, (_, j) => ledger.append({ type: j % 2 === 0 ? 'a' : 'telemetry.record', data: j % 2 === 0 ? { i, j } : { stream: `s${j % 3}`, value: i } }))
    await Promise.all(batch)
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2], Number(process.argv[3]))
