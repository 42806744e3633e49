/**
 * The candidate process of the admission bench: it runs the loopback testnet (so the gateway's
 * CPU is the gateway's alone), sends its bootstrap nodes, waits for the invite codes, and joins
 * with each, a few at a time, every device with its own storage folder and its own Hyperswarm.
 * Ours is `join()`; raw a blind-pairing candidate, then the Autobase opened with what it got.
 * The joined devices stay offline: what is measured is the admission, not their replication.
 */
import { once } from 'node:events'
import path from 'node:path'
import Autobase from 'autobase'
import BlindPairing from 'blind-pairing'
import Corestore from 'corestore'
import DHT from 'hyperdht'
import createTestnet from 'hyperdht/testnet.js'
import Hyperbee from 'hyperbee'
import Hyperswarm from 'hyperswarm'
import z32 from 'z32'
import { join } from '../src/index.js'
import type { Bootstrap } from './admission-gateway.js'
import { concurrently, now, type Side } from './util.js'

/** Joins in flight at once (`ADMISSION_IN_FLIGHT=1` to join one at a time). */
const IN_FLIGHT = Number(process.env.ADMISSION_IN_FLIGHT ?? 4)

/** Run the testnet and the joins; report to the parent; stay up (the testnet) until killed. */
export async function runCandidates (side: Side, root: string, n: number): Promise<void> {
  const testnet = await createTestnet(3)
  const bootstrap = testnet.bootstrap as Bootstrap
  process.send?.({ bootstrap })
  const [{ codes }] = await once(process, 'message') as [{ codes: string[] }]
  try {
    const joinedMs: number[] = []
    await concurrently(n, IN_FLIGHT, async (i) => {
      const start = now()
      const storage = path.join(root, `device${i}`)
      await (side === 'ours' ? joinOurs(codes[i], storage, bootstrap) : joinRaw(codes[i], storage, bootstrap))
      joinedMs.push(now() - start)
    })
    process.send?.({ joinedMs })
  } catch (err) {
    process.send?.({ error: err instanceof Error ? err.stack ?? err.message : String(err) })
  }
}

async function joinOurs (code: string, storage: string, bootstrap: Bootstrap): Promise<void> {
  const ledger = await join(code, { storage, bootstrap, dhtHost: '127.0.0.1', swarm: false })
  await ledger.close()
}

async function joinRaw (code: string, storage: string, bootstrap: Bootstrap): Promise<void> {
  const store = new Corestore(storage)
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1' }) })
  const pairing = new BlindPairing(swarm, { poll: 1000 })
  try {
    const userData = await Autobase.getLocalKey(store) as Buffer
    const candidate = pairing.addCandidate({ invite: z32.decode(code), userData, onadd: async () => {} })
    const paired = await candidate.pairing
    if (paired === null) throw new Error('pairing ended without an answer')
    const base = new Autobase<Hyperbee>(store, paired.key, {
      valueEncoding: 'binary',
      encryptionKey: paired.encryptionKey,
      open: (viewStore) => new Hyperbee(viewStore.get('view'), { keyEncoding: 'binary', valueEncoding: 'binary' }),
      apply: async () => {},
      close: (view) => view.close()
    })
    await base.ready()
    await base.close()
  } finally {
    await pairing.close()
    await swarm.destroy()
    await store.close()
  }
}
