/**
 * Child of test/validation.test.ts, started with its own `--stack-size`: an honest replica of the
 * ledger `argv[4]` that replicates over TCP from 127.0.0.1:`argv[3]` into the fresh folder
 * `argv[2]`, waits until the entry `argv[6]` is in its view, then prints one JSON line: its view
 * length and hash, and the status (and rejection code) of every entry id in `argv[7]`.
 */
import { connect } from 'node:net'
import { fileURLToPath } from 'node:url'
import { Ledger } from '../src/index.js'

const TIMEOUT_MS = 60_000

async function main ([storage, port, key, encryptionKey, last, ids]: string[]): Promise<void> {
  const ledger = new Ledger({ storage, key, encryptionKey: encryptionKey === '' ? null : encryptionKey, swarm: false, ackInterval: 1 << 30 })
  await ledger.ready()
  // Redial when the link drops (as a daemon redials its peers), so a replication stream torn
  // down under load does not end the replica before it has judged every block.
  let done = false
  let socket = link()
  function link (): ReturnType<typeof connect> {
    const s = connect(Number(port), '127.0.0.1')
    const stream = ledger.replicate(false)
    s.pipe(stream).pipe(s)
    s.on('error', (err) => { if (!done) process.stderr.write(`validation child: link error ${String(err)}\n`) })
    stream.on('error', (err) => { if (!done) process.stderr.write(`validation child: stream error ${String(err)}\n`) })
    s.on('close', () => { if (!done) setTimeout(() => { socket = link() }, 100) })
    return s
  }
  const timer = setTimeout(() => { fail('timed out before the last entry was applied') }, TIMEOUT_MS)
  ledger.on('fault', (err) => fail(`fault: ${String(err)}`))
  while ((await ledger.get(last)) === null) await new Promise<void>((resolve) => ledger.once('update', () => resolve()))
  clearTimeout(timer)
  const statuses: string[] = []
  for (const id of ids.split(',')) {
    const entry = await ledger.get(id)
    statuses.push(entry === null ? 'missing' : `${entry.status}${entry.rejection === undefined ? '' : ':' + entry.rejection.code}`)
  }
  process.stdout.write(JSON.stringify({ length: ledger.stats.view.length, hash: await ledger.hash(), statuses }) + '\n')
  done = true
  socket.destroy()
  await ledger.close()
}

function fail (reason: string): void {
  process.stdout.write(JSON.stringify({ error: reason }) + '\n')
  process.exit(2)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((err: unknown) => fail(`threw ${String(err)}`))
}
