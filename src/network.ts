/**
 * Replication over Hyperswarm: join the ledger's discovery key, replicate the whole store with
 * every peer met, and keep track of who is connected.
 */
import { EventEmitter } from 'node:events'
import type Corestore from 'corestore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import safetyCatch from 'safety-catch'
import { encodeKey, type DeviceKey } from './keys.js'

/** Longest a close waits for the swarm to leave the DHT, ms. */
const CLOSE_WAIT_MS = 2000

/** A DHT bootstrap node, as `{ host, port }` or `'host:port'`. */
export type BootstrapNode = { host: string, port: number } | string

/** How a ledger reaches peers. */
export interface NetworkOptions {
  /** Use this swarm instead of creating one; the ledger joins its topic but never destroys it. */
  swarm?: Hyperswarm
  /** DHT bootstrap nodes for a swarm the ledger creates (default: the public DHT). */
  bootstrap?: BootstrapNode[]
  /** Address the created DHT binds (tests on one machine need `127.0.0.1`). */
  dhtHost?: string
}

/** A connected peer. */
export interface PeerInfo {
  /** The peer's swarm (Noise) key, not its device key. */
  publicKey: DeviceKey
  /** ms since the epoch. */
  connectedAt: number
  /** True when this side dialled. */
  initiator: boolean
}

/** Internal: owns (or borrows) a swarm for one ledger. */
export class Network extends EventEmitter {
  private readonly store: Corestore
  private readonly topic: Buffer
  private readonly options: NetworkOptions
  private swarm: Hyperswarm | null = null
  private owned = false
  private readonly connected = new Map<string, PeerInfo>()
  private readonly onconnection = (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void => {
    this.connection(conn, info)
  }

  constructor (store: Corestore, topic: Buffer, options: NetworkOptions) {
    super()
    this.store = store
    this.topic = topic
    this.options = options
  }

  /** The swarm in use, once open. */
  get current (): Hyperswarm | null {
    return this.swarm
  }

  /** Start (or borrow) the swarm and announce and look up the ledger's topic. */
  async open (): Promise<void> {
    if (this.options.swarm !== undefined) {
      this.swarm = this.options.swarm
    } else {
      const keyPair = await this.store.createKeyPair('hyperswarm')
      const dht = new DHT({
        bootstrap: this.options.bootstrap as Array<{ host: string, port: number }> | undefined,
        host: this.options.dhtHost
      })
      this.swarm = new Hyperswarm({ dht, keyPair })
      this.owned = true
    }
    this.swarm.on('connection', this.onconnection)
    for (const conn of this.swarm.connections) this.connection(conn, { publicKey: conn.remotePublicKey, client: false })
    const discovery = this.swarm.join(this.topic, { server: true, client: true })
    // Two devices joining at the same moment can each look up before the other has announced;
    // a second lookup once our own announce is out closes that gap (without delaying ready()).
    discovery.flushed().then(() => discovery.refresh()).catch(safetyCatch)
  }

  /** Peers connected now. */
  peers (): PeerInfo[] {
    return [...this.connected.values()]
  }

  /** Leave the topic; destroy the swarm if this ledger created it. */
  async close (): Promise<void> {
    const swarm = this.swarm
    if (swarm === null) return
    this.swarm = null
    swarm.off('connection', this.onconnection)
    this.connected.clear()
    // Leaving can wait on an unreachable DHT; never let that hold the storage lock for long.
    const done = this.owned ? swarm.destroy() : swarm.leave(this.topic)
    let timer: NodeJS.Timeout | undefined
    await Promise.race([done, new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS) })])
    clearTimeout(timer)
    done.catch(safetyCatch)
  }

  private connection (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void {
    const id = conn.remotePublicKey.toString('hex')
    const peer: PeerInfo = { publicKey: encodeKey<DeviceKey>(conn.remotePublicKey), connectedAt: Date.now(), initiator: info.client }
    this.connected.set(id, peer)
    this.store.replicate(conn)
    conn.on('error', () => {}) // connection errors end the connection; the swarm reconnects
    conn.once('close', () => {
      if (this.connected.get(id) === peer) this.connected.delete(id)
      this.emit('peer-remove', peer)
    })
    this.emit('peer-add', peer)
  }
}
