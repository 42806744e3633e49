/**
 * LAN discovery and known peers on one machine, with no DHT at all (`dht: false`): mDNS on the
 * loopback interface (multicast joined on 127.0.0.1, so nothing leaves the machine), and a known
 * `host:port` peer that is redialled after it restarts.
 */
import net from 'node:net'
import test from 'brittle'
import type { Ledger, LedgerOptions } from '../src/index.js'
import { lanInterfaces, lanName } from '../src/net/lan.js'
import { parsePeers, type NetworkEvent } from '../src/net/peers.js'
import { create, tmp, until } from './helpers/index.js'

const LAN_ONLY: Partial<LedgerOptions> = { swarm: undefined, dht: false, lanHost: '127.0.0.1' }

async function converged (ledgers: Ledger[], ids: string[]): Promise<boolean> {
  for (const l of ledgers) for (const id of ids) if ((await l.get(id)) === null) return false
  const hashes = await Promise.all(ledgers.map((l) => l.hash()))
  return hashes.every((h) => h === hashes[0]) && ledgers.every((l) => l.length === ledgers[0].length)
}

/** Wait (re-checking every 50 ms) until `fn()` holds; fail after `ms`. */
async function poll (fn: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const end = Date.now() + ms
  while (!(await fn())) {
    if (Date.now() > end) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

test('lan name hides the discovery key; lanHost pins the interface', async (t) => {
  const dk = Buffer.alloc(32, 7)
  const name = lanName(dk)
  t.ok(/^ml-[0-9a-f]{40}\.local$/.test(name), name)
  t.absent(name.includes(dk.toString('hex').slice(0, 16)), 'not the key')
  t.alike(lanInterfaces('127.0.0.1'), ['127.0.0.1'])
  t.ok(lanInterfaces(undefined).length >= 1)
  const parsed = parsePeers(['10.0.0.2:4738', '[::1]:9', 'a'.repeat(64)])
  t.alike(parsed.addresses, [{ host: '10.0.0.2', port: 4738 }, { host: '::1', port: 9 }])
  t.is(parsed.keys.length, 1)
  t.exception(() => parsePeers(['nonsense']), /INVALID_OPTION/)
})

test('two LAN-only ledgers find each other over mDNS on loopback and converge', async (t) => {
  const started = Date.now()
  const a = await create(t, LAN_ONLY)
  const b = await create(t, { ...LAN_ONLY, key: a.key, encryptionKey: a.encryptionKey })
  t.is(a.swarm, null, 'no Hyperswarm in LAN-only mode')
  await until([a, b], () => a.peers().length > 0 && b.peers().length > 0)
  t.comment(`found each other in ${Date.now() - started} ms`)
  t.alike(a.peers().map((p) => p.via), ['lan'])
  t.alike(b.peers().map((p) => p.via), ['lan'])
  t.ok(a.peers()[0].initiator !== b.peers()[0].initiator, 'exactly one side dialled')
  t.ok(a.peers()[0].address?.startsWith('127.0.0.1:'), 'address of the other end')

  await a.addMember(b.deviceKey)
  await until([b], () => b.writable)
  const entries = await Promise.all([a, b, a, b].map((l, i) => l.append({ type: 'note', data: { i } })))
  await until([a, b], () => converged([a, b], entries.map((e) => e.id)))
  t.pass(`converged over the LAN in ${Date.now() - started} ms`)
})

test('known host:port peer without mDNS, redialled after the peer restarts', async (t) => {
  const port = await freePort()
  const storage = await tmp(t)
  const events: NetworkEvent[] = []
  const opts = { ...LAN_ONLY, lan: false, lanPort: port, onNetworkEvent: (e: NetworkEvent) => events.push(e) }
  let a = await create(t, { ...opts, storage })
  t.ok(events.some((e) => e.event === 'lan-listening' && e.address === `127.0.0.1:${port}` && e.mdns === false), 'listener without mDNS')
  const b = await create(t, { ...LAN_ONLY, lan: false, key: a.key, encryptionKey: a.encryptionKey, peers: [`127.0.0.1:${port}`] })
  await until([a, b], () => a.peers().length > 0 && b.peers().length > 0)
  t.alike(b.peers().map((p) => [p.via, p.initiator, p.address]), [['direct', true, `127.0.0.1:${port}`]])
  t.alike(a.peers().map((p) => [p.via, p.initiator]), [['direct', false]])

  await a.addMember(b.deviceKey)
  await until([b], () => b.writable)
  await a.close()
  await poll(() => b.peers().length === 0)
  const offline = await b.append({ type: 'note', data: { while: 'a was down' } })

  a = await create(t, { ...opts, storage })
  const restarted = Date.now()
  await until([a, b], () => converged([a, b], [offline.id]))
  t.pass(`b redialled the restarted peer and they converged in ${Date.now() - restarted} ms`)
})

async function freePort (): Promise<number> {
  const server = net.createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as net.AddressInfo
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}
