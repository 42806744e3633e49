/**
 * A networked device with no reachable DHT (a Pi with no internet, its bootstrap nodes silent)
 * closes at once. Each DHT query first pings the bootstrap nodes it was given as `ip@host`, one
 * after another, and a query destroyed meanwhile waited for every ping to time out (dht-rpc
 * `Query._open`; streamx runs a destroy only once the open is over). The invite member's poll is
 * such a query, and blind-pairing's close awaits it: `npm start`'s SIGINT took 9 s offline to
 * close the pairing, then 2 s for the swarm, and the process lingered another 10 s after
 * "stopped" (patches/dht-rpc+6.27.0.patch).
 */
import dgram from 'node:dgram'
import { once } from 'node:events'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { tmp } from './helpers/index.js'
import { dhtOf } from './helpers/internals.js'

/** Longer than a close takes, shorter than the bootstrap pings it waited for (3 nodes, ~3.5 s each). */
const CLOSE_MS = 5000

/** Silent bootstrap nodes: UDP sockets on loopback that read every packet and answer none. */
async function silentNodes (t: test.Test, n: number): Promise<Array<{ host: string, port: number }>> {
  const nodes: Array<{ host: string, port: number }> = []
  for (let i = 0; i < n; i++) {
    const socket = dgram.createSocket('udp4')
    socket.on('message', () => {})
    socket.bind(0, '127.0.0.1')
    await once(socket, 'listening')
    t.teardown(() => socket.close())
    // `ip@host`, as the public bootstrap list names its nodes: pinged at the suggested address first.
    nodes.push({ host: '127.0.0.1@127.0.0.1', port: socket.address().port })
  }
  return nodes
}

test('a device whose DHT bootstrap nodes never answer closes at once', async (t) => {
  const bootstrap = await silentNodes(t, 3)
  const ledger = new Ledger({ storage: await tmp(t), bootstrap, dhtHost: '127.0.0.1', lan: false })
  await ledger.ready()
  // The invite member's first poll and the swarm's announce are under way, pinging the silent nodes.
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const dht = dhtOf(ledger)
  t.ok(dht !== null, 'networked, on a DHT of its own')
  const started = performance.now()
  await ledger.close()
  const ms = performance.now() - started
  t.ok(ms < CLOSE_MS, `closed in ${ms.toFixed(0)} ms, not after the pings timed out`)
  // Its sockets and timers would keep the process alive after the close (seconds, for `npm start`).
  t.ok(dht?.destroyed === true, 'its DHT is closed with it')
})
