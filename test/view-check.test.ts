import { execFile } from 'node:child_process'
import { cp, rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import { normalizeKey, type SwarmKey, type Ledger, type LedgerOptions, type PeerViewCheck } from '../src/index.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { create, testnet, tmp, until } from './helpers/index.js'

const run = promisify(execFile)

/** The swarm key peers know this ledger by. */
function swarmKey (ledger: Ledger): SwarmKey {
  const swarm = ledger.swarm
  if (swarm === null) throw new Error('offline ledger')
  return normalizeKey<SwarmKey>(swarm.keyPair.publicKey)
}

/** Every connected peer states the same confirmed view as `ledger`, which has confirmed all it applied. */
function agreesWithAll (ledger: Ledger, peers: number): boolean {
  const summary = ledger.viewCheck()
  const views = ledger.peers().map((p) => p.view)
  return summary.peers === peers && summary.agreeing === peers && summary.confirmedLength === ledger.stats.view.length &&
    views.every((v) => v?.position === 'equal' && v.result === 'match' && v.length === summary.confirmedLength)
}

test('view check: three devices over the DHT confirm the same view; one that was away is behind and matching', async (t) => {
  // One indexer (A), two writers: the confirmed length depends on A alone. With three fresh indexers
  // finality itself was seen to stall (signed length stuck below the view length on all three,
  // all connected) in about 1 run in 80, before this check existed too.
  const net = await testnet(t)
  const online: Partial<LedgerOptions> = { ...net, swarm: undefined, lan: false, ackInterval: 50 }
  const a = await create(t, online)
  const join = { ...online, key: a.key, encryptionKey: a.encryptionKey }
  const b = await create(t, join)
  const dirC = await tmp(t)
  let c = await create(t, { ...join, storage: dirC })
  await a.addMember(b.deviceKey)
  await a.addMember(c.deviceKey)
  await until([b, c], () => b.writable && c.writable)

  for (const l of [a, b, c]) await l.append({ type: 'note', data: { from: l.deviceKey } })
  await until([a, b, c], () => [a, b, c].every((l) => agreesWithAll(l, 2)))
  const hashes = [a, b, c].map((l) => l.viewCheck().hash)
  t.ok(hashes.every((h) => h === hashes[0]), 'all three confirm one history')
  t.ok(a.viewCheck().confirmedLength > 0, 'and it is not empty')
  t.alike(a.viewCheck().mismatched, [])

  // C goes away; A and B confirm more; C comes back. C states its view the moment its first
  // connection opens, before any data can reach it over any connection, so the first peer it
  // meets hears the old length and checks it against its own longer history.
  const away = c.viewCheck().confirmedLength
  await c.close()
  const later = await a.append({ type: 'note', data: 'while c was away' })
  await a.confirmed(later.id, { timeout: 20000 })
  // A and B restate their views a moment after a change: wait for it, or they could compare C's
  // old statement with their own old view (equal) and hear C's new one before restating.
  await until([a, b], () => [a, b].every((l) => l.viewCheck().confirmedLength === a.stats.view.length))
  t.ok(a.viewCheck().confirmedLength > away, 'a and b confirmed more while c was away')
  const heard: Array<{ by: string, peer: SwarmKey, check: PeerViewCheck }> = []
  for (const [by, l] of [['a', a], ['b', b]] as const) l.on('view-check', (peer, check) => heard.push({ by, peer, check }))
  c = await create(t, { ...join, storage: dirC })
  const cKey = swarmKey(c)
  await until([a, b], () => heard.some((h) => h.peer === cKey && h.check.position === 'behind'))
  const behind = heard.filter((h) => h.peer === cKey && h.check.position === 'behind')
  t.ok(behind.every((h) => h.check.result === 'match' && h.check.length === away), `reported behind at ${away} and matching, by ${behind.map((h) => h.by).join(' and ')}`)

  await until([a, b, c], () => [a, b, c].every((l) => agreesWithAll(l, 2)))
  t.ok(c.viewCheck().confirmedLength > away, 'c caught up, and everyone agrees again')
})

/**
 * Two devices whose confirmed views really differ for one ledger: a device and its clone. A
 * storage folder copied block for block (an SD card image written to a second card keeps inodes
 * and extended attributes) passes hypercore-storage's guard against moved storage; here the copy
 * drops the guard file instead, which is what such a clone looks like to it. The clone holds the
 * same keys, so it is the same sole indexer, and both sign what each appends next: two valid,
 * different histories under one view key. At equal lengths hypercore never notices (no block is
 * requested); the view check does.
 */
async function clone (t: test.Test, dirA: string, extraOnClone: number): Promise<{ key: string, encryptionKey: string | null, dirB: string }> {
  const dirB = await tmp(t)
  // Networked once before the copy, so the device has stated its swarm key (member.swarm) and
  // neither copy appends that by itself later: the two histories differ only where the test says.
  const original = await create(t, { storage: dirA, swarm: undefined, dht: false, lan: false })
  await until([original], async () => ((await original.members()).find((m) => m.key === original.deviceKey) as { swarmKey?: string } | undefined)?.swarmKey !== undefined)
  await original.append({ type: 'note', data: 'before the clone' })
  const { key, encryptionKey } = original
  await original.close()
  await cp(dirA, dirB, { recursive: true })
  await rm(path.join(dirB, 'CORESTORE'))

  const a = await create(t, { storage: dirA })
  const b = await create(t, { storage: dirB })
  t.is(a.deviceKey, b.deviceKey, 'the clone is the same device')
  await a.append({ type: 'note', data: 'written on the original' })
  for (let i = 0; i <= extraOnClone; i++) await b.append({ type: 'note', data: { on: 'the clone', i } })
  t.is(b.viewCheck().viewKey, a.viewCheck().viewKey, 'one view key')
  await Promise.all([a.close(), b.close()])
  return { key, encryptionKey, dirB }
}

/** A device and its clone, reconnected over a direct TCP link. */
async function clonePair (t: test.Test, extraOnClone: number): Promise<[Ledger, Ledger]> {
  const dirA = await tmp(t)
  const { dirB } = await clone(t, dirA, extraOnClone)
  // Direct, because both have the same swarm key and a swarm never dials itself.
  let address = ''
  const onA = await create(t, { storage: dirA, swarm: undefined, dht: false, lan: false, lanHost: '127.0.0.1', lanPort: 0, onNetworkEvent: (e) => { if (e.event === 'lan-listening') address = String(e.address) } })
  const onB = await create(t, { storage: dirB, swarm: undefined, dht: false, lan: false, peers: [address] })
  return [onA, onB]
}

test('view check: a cloned indexer confirms another history at the same length; both sides see it', async (t) => {
  const [a, b] = await clonePair(t, 0)
  t.is(a.stats.view.signedLength, b.stats.view.signedLength, 'equal confirmed lengths')
  t.not(a.viewCheck().hash, b.viewCheck().hash, 'different confirmed histories')

  await until([a, b], () => a.viewCheck().mismatched.length === 1 && b.viewCheck().mismatched.length === 1)
  for (const l of [a, b]) {
    const [peer] = l.peers()
    t.is(peer.view?.result, 'mismatch')
    t.is(peer.view?.position, 'equal')
    t.alike(l.viewCheck().mismatched, [peer.publicKey], 'the summary names the peer')
    t.is(l.viewCheck().agreeing, 0)
  }
})

test('view check: a peer behind with another history is a mismatch; one ahead stays unchecked', async (t) => {
  // The clone confirms one more entry. Its longer history can be checked against the original's
  // shorter one, not the other way round. (Offered the longer history, hypercore on the original
  // may also find the conflicting signatures, log them and close that core.)
  const [a, b] = await clonePair(t, 1)
  t.ok(b.stats.view.signedLength > a.stats.view.signedLength)
  await until([a, b], () => a.peers()[0]?.view != null && b.peers()[0]?.view != null)
  t.alike(pick(b.peers()[0].view), { position: 'behind', result: 'mismatch' }, 'the clone sees the original behind, on another history')
  t.alike(pick(a.peers()[0].view), { position: 'ahead', result: 'ahead' }, 'the original cannot check what it lacks')
  t.alike(a.viewCheck().mismatched, [], 'so it names no one')
  t.is(a.viewCheck().unchecked, 1)
})

function pick (v: PeerViewCheck | null | undefined): { position?: string, result?: string } {
  return { position: v?.position, result: v?.result }
}

test('view check in the daemon: /metrics, /v1/status, `meshledger status` and `peers`', async (t) => {
  // The daemon serves the original of a cloned device; an honest replica and the clone dial it.
  const data = await tmp(t)
  const { key, encryptionKey, dirB } = await clone(t, path.join(data, 'store'), 0)
  const d = await spawnDaemon(t, data, ['--lan-only', '--no-lan', '--lan-host', '127.0.0.1', '--lan-port', '0', '--log-level', 'debug'], { offline: false })
  const address = String((await d.logged((e) => e.event === 'lan-listening')).address)
  const direct = { swarm: undefined, dht: false, lan: false, peers: [address] }
  const replica = await create(t, { ...direct, key, encryptionKey })
  await create(t, { ...direct, storage: dirB }) // the clone
  await until([replica], () => replica.peers()[0]?.view?.position === 'equal' && replica.peers()[0]?.view?.result === 'match')
  const length = replica.viewCheck().confirmedLength
  // The clone has the daemon's swarm key (the same store seed): the daemon's peer that is not it is the replica.
  const twinKey = replica.peers()[0].publicKey

  // The daemon logs each comparison as it makes it: once both are in, the gauges hold them.
  await d.logged((e) => e.event === 'view-check' && e.peer !== twinKey && e.result === 'match' && e.position === 'equal' && e.length === length)
  const mismatch = await d.logged((e) => e.event === 'view-mismatch')
  t.is(mismatch.peer, twinKey, 'the mismatch is logged as an error, naming the clone')
  t.is(mismatch.level, 'error')

  const metrics = (await d.api('GET', '/metrics')).body as string
  t.ok(/^meshledger_view_peers_checked 2$/m.test(metrics), 'two peers stated their view')
  t.ok(/^meshledger_view_peers_agreeing 1$/m.test(metrics), 'one agrees')
  t.ok(/^meshledger_view_peers_mismatched 1$/m.test(metrics), 'one confirms another history')

  const status = (await d.api('GET', '/v1/status')).body
  t.alike({ ...status.viewCheck, hash: undefined, viewKey: undefined }, { confirmedLength: length, hash: undefined, viewKey: undefined, peers: 2, agreeing: 1, mismatched: [twinKey], unchecked: 0 })
  t.alike(status.peers.map((p: { view: PeerViewCheck }) => p.view.result).sort(), ['match', 'mismatch'])

  const printed = (await run(process.execPath, [BIN, 'status', '--data', data])).stdout.split('\n')
  t.is(printed.find((l) => l.startsWith('confirmed view')), `confirmed view  ${length} blocks, matches 1 of 2 peers; DIFFERS from ${twinKey}`)
  const rows = (await run(process.execPath, [BIN, 'peers', '--data', data])).stdout.split('\n')
  t.comment(rows.slice(0, 3).join('\n'))
  // One line per device; its SWARM KEY column shows the swarm key's first characters.
  const twin = `  ${twinKey.slice(0, 9)}...  `
  t.ok(rows.some((l) => !l.includes(twin) && l.endsWith('  match')), 'peers shows the replica matching')
  t.ok(rows.some((l) => l.includes(twin) && l.endsWith('  mismatch')), 'and the clone not')
})
