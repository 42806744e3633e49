/**
 * The gateway of the admission bench, either side: online on the testnet, it creates invites and
 * admits the devices that pair with them. Raw is a stock Autobase + Hyperbee with blind-pairing
 * used directly, as autopass does: the invite's id and public key are an op put in the view;
 * onadd reads it, opens the request, appends an add-writer op and confirms.
 */
import type { EventEmitter } from 'node:events'
import Autobase from 'autobase'
import BlindPairing from 'blind-pairing'
import Corestore from 'corestore'
import DHT from 'hyperdht'
import Hyperbee from 'hyperbee'
import Hyperswarm from 'hyperswarm'
import z32 from 'z32'
import { Ledger } from '../src/index.js'
import type { Side } from './util.js'

/** The testnet's bootstrap nodes. */
export type Bootstrap = Array<{ host: string, port: number }>

/** What the bench needs of either side's gateway. */
export interface Gateway {
  /** The swarm the candidates connect to. */
  swarm: Hyperswarm
  /** Emits `update` whenever the view changed. */
  events: EventEmitter
  /** Create one single-use writer invite; its code. */
  invite: () => Promise<string>
  /** Writers the ledger has now (the gateway included). */
  members: () => number
  /** The store's RocksDB counters so far (reads are synchronous on this thread). */
  storage: () => StorageStats
  close: () => Promise<void>
}

/** RocksDB's counters of a Corestore. */
export interface StorageStats { gets: number, readBatches: number, writeBatches: number }

/** The counters of `store`'s RocksDB so far. */
export function storageStats (store: Corestore): StorageStats {
  const { gets, readBatches, writeBatches } = (store as unknown as { storage: { db: { _state: { stats: StorageStats } } } }).storage.db._state.stats
  return { gets, readBatches, writeBatches }
}

/** Open `side`'s gateway in `storage`, online on the testnet. */
export async function openGateway (side: Side, storage: string, bootstrap: Bootstrap): Promise<Gateway> {
  return side === 'ours' ? await openOurs(storage, bootstrap) : await openRaw(storage, bootstrap)
}

async function openOurs (storage: string, bootstrap: Bootstrap): Promise<Gateway> {
  const ledger = new Ledger({ storage, bootstrap, dhtHost: '127.0.0.1', lan: false })
  await ledger.ready()
  const { base, store } = (ledger as unknown as { replica: { base: Autobase<Hyperbee>, store: Corestore } }).replica
  return {
    swarm: ledger.swarm as Hyperswarm,
    events: ledger,
    invite: async () => (await ledger.invite()).code,
    members: () => membersOf(base),
    storage: () => storageStats(store),
    close: () => ledger.close()
  }
}

/** Writers in Autobase's system view (each admitted device, and the gateway). */
function membersOf (base: Autobase<Hyperbee>): number {
  return (base as unknown as { system: { members: number } }).system.members
}

/** An op of the raw gateway, appended as JSON. */
type RawOp = { t: 'invite', id: string, publicKey: string } | { t: 'add', id: string, key: string }

function encodeOp (op: RawOp): Buffer {
  return Buffer.from(JSON.stringify(op))
}

function inviteKey (id: string): Buffer {
  return Buffer.from(`invite/${id}`)
}

async function openRaw (storage: string, bootstrap: Bootstrap): Promise<Gateway> {
  const store = new Corestore(storage)
  const base = new Autobase<Hyperbee>(store, null, {
    valueEncoding: 'binary',
    encrypt: true,
    open: (viewStore) => new Hyperbee(viewStore.get('view'), { keyEncoding: 'binary', valueEncoding: 'binary' }),
    apply: async (nodes, view, host) => {
      const batch = view.batch({ update: false })
      for (const node of nodes) {
        if (node.value === null) continue
        const op = JSON.parse(node.value.toString()) as RawOp
        if (op.t === 'invite') {
          await batch.put(inviteKey(op.id), Buffer.from(op.publicKey, 'hex'))
        } else if ((await batch.get(inviteKey(op.id))) !== null) {
          // Single use: the invite goes, the device becomes a writer.
          await batch.del(inviteKey(op.id))
          await host.addWriter(Buffer.from(op.key, 'hex'), { indexer: false })
        }
      }
      await batch.flush()
    },
    close: (view) => view.close()
  })
  await base.ready()
  const swarm = new Hyperswarm({ dht: new DHT({ bootstrap, host: '127.0.0.1' }), keyPair: await store.createKeyPair('hyperswarm') })
  swarm.on('connection', (conn: NodeJS.ReadWriteStream) => store.replicate(conn))
  swarm.join(base.discoveryKey, { server: true, client: true })
  const pairing = new BlindPairing(swarm, { poll: 5000 })
  pairing.addMember({
    discoveryKey: base.discoveryKey,
    onadd: async (candidate) => {
      const id = candidate.inviteId.toString('hex')
      const node = await base.view.get(inviteKey(id))
      if (node === null) return
      const userData = candidate.open(node.value)
      await base.append(encodeOp({ t: 'add', id, key: userData.subarray(0, 32).toString('hex') }))
      candidate.confirm({ key: base.key, encryptionKey: base.encryptionKey })
    }
  })
  return {
    swarm,
    events: base,
    invite: async () => {
      const { id, invite, publicKey } = BlindPairing.createInvite(base.key, { expires: Date.now() + 60 * 60 * 1000 })
      await base.append(encodeOp({ t: 'invite', id: id.toString('hex'), publicKey: publicKey.toString('hex') }))
      return z32.encode(invite)
    },
    members: () => membersOf(base),
    storage: () => storageStats(store),
    close: async () => {
      await pairing.close()
      await swarm.destroy()
      await base.close()
      await store.close()
    }
  }
}
