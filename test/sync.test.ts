import test from 'brittle'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import type { Entry, Ledger, WatchEvent } from '../src/index.js'
import { create, testnet, until } from './helpers/index.js'

async function converged (ledgers: Ledger[], ids: string[]): Promise<boolean> {
  for (const l of ledgers) {
    for (const id of ids) if ((await l.get(id)) === null) return false
  }
  const hashes = await Promise.all(ledgers.map((l) => l.hash()))
  return hashes.every((h) => h === hashes[0]) && ledgers.every((l) => l.length === ledgers[0].length)
}

test('three writers appending concurrently over a swarm converge to one view', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined })
  const b = await create(t, { ...net, swarm: undefined, key: a.key, encryptionKey: a.encryptionKey })
  const c = await create(t, { ...net, swarm: undefined, key: a.key, encryptionKey: a.encryptionKey })
  await a.addMember(b.deviceKey)
  await a.addMember(c.deviceKey)
  await until([b, c], () => b.writable && c.writable)
  t.ok(a.peers().length >= 1, 'peers found over the DHT')

  const appends: Array<Promise<Entry>> = []
  for (let i = 0; i < 40; i++) {
    for (const l of [a, b, c]) appends.push(l.append({ type: 'reading', data: { i, by: l.deviceKey.slice(0, 6) } }))
  }
  const entries = await Promise.all(appends)
  const ids = entries.map((e) => e.id)
  await until([a, b, c], () => converged([a, b, c], ids))
  t.pass('every view holds all 120 entries with the same hash')
  const counts = await Promise.all([a, b, c].map(async (l) => {
    let n = 0
    for await (const _ of l.query({ type: 'reading' })) n++
    return n
  }))
  t.alike(counts, [120, 120, 120])
  // Stats follow the logs' downloads (caught up a few at a time), not the view: in sync soon after.
  await until([a], () => a.stats.writers.length === 3)
  while (!a.stats.writers.every((w) => w.lag === 0 && w.length > 0)) await new Promise((resolve) => setTimeout(resolve, 20))
  t.pass('stats track three writers, in sync')
})

/**
 * Connect ledgers through real swarms the test controls, so it can cut and restore links. Each
 * swarm announces before the next looks up, so they find each other at once.
 */
async function link (t: test.Test, net: Awaited<ReturnType<typeof testnet>>, ledgers: Ledger[]): Promise<() => Promise<void>> {
  const swarms: Hyperswarm[] = []
  const cut = async (): Promise<void> => {
    await Promise.all(swarms.map((s) => s.destroy()))
  }
  t.teardown(cut)
  for (const l of ledgers) {
    const swarm = new Hyperswarm({ dht: new DHT({ bootstrap: net.bootstrap as Array<{ host: string, port: number }>, host: '127.0.0.1' }) })
    swarms.push(swarm)
    swarm.on('connection', (conn: Hyperswarm.Connection) => { l.replicate(conn as unknown as NodeJS.ReadWriteStream) })
    await swarm.join(l.discoveryKeyBytes(), { server: true, client: true }).flushed()
  }
  return cut
}

test('partition and heal: both sides keep writing, then agree; watch reports the reorder', async (t) => {
  const net = await testnet(t)
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  let cut = await link(t, net, [a, b])
  await a.addMember(b.deviceKey)
  await until([b], () => b.writable)

  const events: WatchEvent[] = []
  const watcher = b.watch()
  const collecting = (async () => { for await (const ev of watcher) events.push(ev) })()

  await cut()
  const onA = await Promise.all([1, 2, 3].map((i) => a.append({ type: 'note', data: { side: 'a', i } })))
  const onB: Entry[] = []
  for (const i of [1, 2, 3]) onB.push(await b.append({ type: 'note', data: { side: 'b', i } }))
  t.ok((await a.get(onB[0].id)) === null, 'a has not seen b while partitioned')
  t.ok((await b.get(onA[0].id)) === null, 'b has not seen a while partitioned')

  cut = await link(t, net, [a, b])
  const ids = [...onA, ...onB].map((e) => e.id)
  await until([a, b], () => converged([a, b], ids))
  t.pass('views identical after healing')
  await until([b], () => events.some((e) => e.type === 'reorder'))
  const reorder = events.find((e) => e.type === 'reorder')
  t.ok(reorder !== undefined && reorder.type === 'reorder' && reorder.rewound.length > 0, 'the reorder names the rewound entries')
  const seen = new Set(events.flatMap((e) => e.type === 'entry' ? [e.entry.id] : []))
  for (const e of onB) t.ok(seen.has(e.id), 'b saw its own entries')
  await watcher.return()
  await collecting
})
