/**
 * Child of test/hostile.test.ts: an honest peer (the real Ledger) in its own process, so that
 * peers run with different `--stack-size` values. It replicates with the parent's indexer over
 * stdin/stdout and, once asked, with the hostile peer directly over fd 4; the parent drives it
 * over the IPC channel: `append` (and wait for confirmation), `hostile` (open the direct link),
 * `reach` (resolve once its view has a given length and hash), `close`.
 */
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { Ledger } from '../src/index.js'

interface Command { cmd: 'append' | 'hostile' | 'reach' | 'state' | 'close', n?: number, length?: number, hash?: string, timeout?: number }

async function main ([storage, key, encryptionKey]: string[]): Promise<void> {
  const ledger = new Ledger({ storage, key, encryptionKey, swarm: false, ackInterval: 50 })
  ledger.setMaxListeners(0) // one listener per entry awaiting confirmation
  await ledger.ready()
  const main = ledger.replicate(false)
  process.stdin.pipe(main).pipe(process.stdout)
  main.on('error', () => {})
  let peakRss = process.memoryUsage().rss
  const sample = setInterval(() => { peakRss = Math.max(peakRss, process.memoryUsage().rss) }, 100)
  const send = (m: unknown): void => { if (process.connected) process.send?.(m) }
  process.on('disconnect', () => process.exit(0)) // the test is gone: never outlive it
  const state = async (): Promise<Record<string, unknown>> => ({ length: ledger.length, hash: await ledger.hash(), rss: process.memoryUsage().rss, peakRss })
  ledger.on('writable', () => send({ writable: true }))
  send({ key: ledger.deviceKey, writable: ledger.writable })

  const handle = async (c: Command): Promise<unknown> => {
    if (c.cmd === 'append') {
      const entries = await Promise.all(Array.from({ length: c.n ?? 1 }, async (_, i) => await ledger.append({ type: 'note', data: { i } })))
      const confirmed = await Promise.all(entries.map(async (e) => (await ledger.confirmed(e.id, { timeout: c.timeout ?? 30_000 })).status))
      return { confirmed }
    }
    if (c.cmd === 'hostile') {
      const socket = new net.Socket({ fd: 4, readable: true, writable: true })
      const stream = ledger.replicate(true)
      socket.pipe(stream).pipe(socket)
      socket.on('error', () => {})
      stream.on('error', () => {})
      return { linked: true }
    }
    if (c.cmd === 'reach') {
      const deadline = Date.now() + (c.timeout ?? 20_000)
      while (true) {
        await ledger.update()
        const s = await state()
        if ((s.length === c.length && s.hash === c.hash) || Date.now() > deadline) return s
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, 500) // re-check even when no update comes: the deadline
          function done (): void { clearTimeout(timer); ledger.off('update', done); resolve() }
          ledger.once('update', done)
        })
      }
    }
    if (c.cmd === 'close') {
      clearInterval(sample)
      await ledger.close()
      send({ reply: 'closed' })
      process.exit(0)
    }
    return await state()
  }
  process.on('message', (c: Command & { seq: number }) => {
    handle(c).then((reply) => send({ seq: c.seq, reply }), (err: Error) => send({ seq: c.seq, error: `${(err as { code?: string }).code ?? ''} ${err.message}` }))
  })
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv.slice(2))
