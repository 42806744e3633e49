/**
 * Autobase 7.28.1 alone, three indexers, replication switched on and off pair by pair: a value
 * written while another indexer acks, then three rounds of two indexers acking at once, leaves a
 * DAG that Autobase's own acks never confirm. The watchdog the ledger runs must undo it.
 */
import test from 'brittle'
import Autobase from 'autobase'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { AckWatchdog } from '../src/replica/ack-watchdog.js'
import { keepAlive } from '../src/replica/keep-alive.js'
import { tmp } from './helpers/index.js'

type Base = Autobase<Hypercore>

const ADD = 0x61 // 'a' + key: add an indexer; anything else goes to the view

async function open (t: test.Test, dir: string, key: Buffer | null, ackInterval: number): Promise<Base> {
  const store = new Corestore(dir)
  const base: Base = new Autobase<Hypercore>(store, key, {
    ackInterval, // 0: no ack timer, every ack is written by hand
    fastForward: false,
    open: (views) => views.get('view'),
    apply: async (nodes, view, host) => {
      for (const node of nodes) {
        if (node.value === null) continue
        if (node.value[0] === ADD) await host.addWriter(node.value.subarray(1), { indexer: true })
        else await view.append(node.value)
      }
    }
  })
  t.teardown(async () => {
    await base.close()
    await store.close()
  }, { order: 0 })
  await base.ready()
  return base
}

/** Replicates every pair until stopped. */
function connect (bases: Base[]): () => void {
  const streams: Array<NodeJS.ReadWriteStream & { destroy (): void }> = []
  for (let i = 0; i < bases.length; i++) {
    for (let j = i + 1; j < bases.length; j++) {
      const x = bases[i].replicate(true) as NodeJS.ReadWriteStream & { destroy (): void }
      const y = bases[j].replicate(false) as NodeJS.ReadWriteStream & { destroy (): void }
      x.pipe(y).pipe(x)
      for (const s of [x, y]) {
        s.on('error', () => {})
        streams.push(s)
      }
    }
  }
  return () => { for (const s of streams) s.destroy() }
}

/** Resolves once `done()` holds, re-checked at every update of any base. */
async function until (bases: Base[], done: () => boolean): Promise<void> {
  while (true) {
    let wake = (): void => {}
    const next = new Promise<void>((resolve) => { wake = resolve })
    for (const b of bases) b.on('update', wake)
    try {
      if (done()) return
      await next
    } finally {
      for (const b of bases) b.off('update', wake)
    }
  }
}

const heads = (b: Base): string => `${b.length}:${b.heads().map((h) => `${h.key.toString('hex')}@${h.length}`).join(',')}`

/** Connect everyone, wait until all hold the same DAG, disconnect. */
async function sync (bases: Base[]): Promise<void> {
  const stop = connect(bases)
  // A base only looks for new blocks of a writer it is not following yet when asked to update.
  while (true) {
    await Promise.all(bases.map((b) => b.update()))
    if (bases.every((b) => heads(b) === heads(bases[0]))) break
    await Promise.race([until(bases, () => false), new Promise((resolve) => setTimeout(resolve, 20))])
  }
  stop()
}

const final = (bases: Base[]): boolean => bases.every((b) => b.view.signedLength === b.view.length && b.view.length === bases[0].view.length)

test('finality: the watchdog undoes an ack knot that autobase never leaves by itself', async (t) => {
  const alive = keepAlive()
  t.teardown(() => clearInterval(alive))
  const dirs = [await tmp(t), await tmp(t), await tmp(t)]
  const a = await open(t, dirs[0], null, 0)
  const b = await open(t, dirs[1], a.key, 0)
  const c = await open(t, dirs[2], a.key, 0)
  const all = [a, b, c]
  await a.append(Buffer.concat([Buffer.from([ADD]), b.local.key]))
  await a.append(Buffer.concat([Buffer.from([ADD]), c.local.key]))
  await sync(all)

  // Each round: the named indexers write while cut off from each other, then everyone syncs.
  const ack = async (...xs: Base[]): Promise<void> => {
    await Promise.all(xs.map((x) => x.append(null)))
    await sync(all)
  }
  await Promise.all([c.append(Buffer.from('c')), a.append(null)])
  await sync(all)
  await ack(a, b)
  await ack(b, c)
  await ack(a, b)

  const lengths = all.map((x) => x.local.length)
  for (let round = 0; round < 3; round++) {
    for (const x of all) {
      await x.ack()
      await sync(all)
    }
  }
  t.alike(all.map((x) => x.local.length), lengths, 'autobase\'s own ack() writes nothing (if this fails, autobase fixed the knot)')
  t.absent(final(all), 'and the view stays unconfirmed')

  // Reopen with the ack timer on, as a ledger runs, and the watchdog on each indexer.
  for (const x of all) {
    await x.close()
    await (x.store as Corestore).close()
  }
  const reopened = [await open(t, dirs[0], a.key, 50), await open(t, dirs[1], a.key, 50), await open(t, dirs[2], a.key, 50)]
  const dogs = reopened.map((x) => new AckWatchdog(x, x.view, 50))
  for (const d of dogs) d.start()
  t.teardown(() => { for (const d of dogs) d.stop() }, { order: -1 })
  t.teardown(connect(reopened), { order: -1 })
  let timer: NodeJS.Timeout | undefined
  await Promise.race([until(reopened, () => final(reopened)), new Promise((resolve) => { timer = setTimeout(resolve, 30_000) })])
  clearTimeout(timer)
  const forced = dogs.map((d) => d.acks)
  t.ok(final(reopened), `every view confirmed to its end (forced acks ${forced.join('/')})`)
  t.ok(forced.some((n) => n > 0), 'by acks the watchdog wrote')
})
