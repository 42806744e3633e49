/**
 * Replication: join the ledger's discovery key on Hyperswarm (unless `dht: false`), find devices
 * on the same network segment over mDNS (unless `lan: false`), dial known peers directly, and
 * replicate the whole store with every peer met, keeping track of who is connected and how.
 *
 * LAN and direct connections are TCP/Noise links (link.ts). Nothing that goes wrong on a socket
 * reaches the process: trouble is reported through `onNetworkEvent` and the connection is retried.
 */
import { EventEmitter } from 'node:events'
import net, { type Server, type Socket } from 'node:net'
import type Corestore from 'corestore'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import safetyCatch from 'safety-catch'
import { decodeKey, encodeKey, type SwarmKey } from '../keys.js'
import { LanDiscovery, type LanPeer } from './lan.js'
import { attach, dial, type LinkHost, type ProtocolStream } from './link.js'
import { formatAddress, parsePeers, type NetworkEvent, type NetworkOptions, type PeerInfo, type PeerVia } from './peers.js'

/** Longest a close waits for the swarm to leave the DHT, ms. */
const CLOSE_WAIT_MS = 2000
/** Redial backoff for known peers, ms. */
const BACKOFF_MIN_MS = 1000
const BACKOFF_MAX_MS = 30_000
/** A direct connection that lasted this long resets its backoff, ms. */
const STABLE_MS = 5000

/** A `host:port` known peer and its redial state. */
interface DirectTarget {
  host: string
  port: number
  address: string
  /** The key that answered there last time (to avoid dialling a peer already connected). */
  key: string | null
  backoff: number
  timer: NodeJS.Timeout | null
  socket: Socket | null
}

/**
 * Internal: owns (or borrows) a swarm, the LAN listener and mDNS, for one ledger. Emits `stream`
 * with every replication stream as it starts (other protocols ride on it), then `peer-add` once
 * the peer is known.
 */
export class Network extends EventEmitter {
  private readonly store: Corestore
  private readonly topic: Buffer
  private readonly options: NetworkOptions
  private swarm: Hyperswarm | null = null
  private owned = false
  /** The DHT this network created (its swarm's), null when given a swarm. */
  private dht: DHT | null = null
  private keyPair: { publicKey: Buffer, secretKey: Buffer } | null = null
  private server: Server | null = null
  private lan: LanDiscovery | null = null
  private closing = false
  private readonly knownKeys = new Set<string>()
  private readonly targets: DirectTarget[] = []
  /** Every live connection, by connection: one per peer (see added()). */
  private readonly connected = new Map<object, PeerInfo>()
  /** Replication streams of LAN/direct links (the rest of `connected` are swarm connections). */
  private readonly links = new WeakSet<object>()
  /** Sockets of LAN/direct connections, open or handshaking. */
  private readonly sockets = new Set<Socket>()
  /** mDNS runs: accepted connections count as `lan`, else as `direct`. */
  private announcing = false
  /** Remote keys (hex) being dialled over the LAN. */
  private readonly dialling = new Set<string>()
  /** What the TCP/Noise links (link.ts) need of this network. */
  private readonly link: LinkHost = {
    sockets: this.sockets,
    replicate: (initiator) => this.store.replicate(initiator, { keyPair: this.keyPair }) as ProtocolStream,
    closing: () => this.closing,
    report: (event) => this.report(event),
    stream: (stream) => this.emit('stream', stream),
    added: (stream, peer) => {
      this.links.add(stream)
      this.added(stream, peer)
    },
    removed: (stream, peer) => this.removed(stream, peer)
  }

  private readonly onconnection = (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void => {
    this.swarmConnection(conn, info)
  }

  constructor (store: Corestore, topic: Buffer, options: NetworkOptions) {
    super()
    this.store = store
    this.topic = topic
    this.options = options
  }

  /** The swarm in use, once open (null in LAN-only mode). */
  /** This device's swarm (Noise) public key, once open. */
  get swarmKey (): Buffer | null {
    return this.keyPair?.publicKey ?? null
  }

  get current (): Hyperswarm | null {
    return this.swarm
  }

  /** Start (or borrow) the swarm, the LAN listener and mDNS, and dial known peers. */
  async open (): Promise<void> {
    const { keys, addresses } = parsePeers(this.options.peers ?? [])
    const lanOn = this.options.lan !== false
    const dhtOn = this.options.dht !== false || this.options.swarm !== undefined
    this.keyPair = this.options.swarm?.keyPair as { publicKey: Buffer, secretKey: Buffer } | undefined ?? await this.store.createKeyPair('hyperswarm')

    if (dhtOn) {
      if (this.options.swarm !== undefined) {
        this.swarm = this.options.swarm
      } else {
        const dht = new DHT({
          bootstrap: this.options.bootstrap as Array<{ host: string, port: number }> | undefined,
          host: this.options.dhtHost
        })
        // Denied devices (removed members) are turned away before the handshake completes.
        this.swarm = new Hyperswarm({ dht, keyPair: this.keyPair, firewall: (key) => this.denies(key) })
        this.owned = true
        this.dht = dht
      }
      this.swarm.on('connection', this.onconnection)
      for (const conn of this.swarm.connections) this.swarmConnection(conn, { publicKey: conn.remotePublicKey, client: false })
      const discovery = this.swarm.join(this.topic, { server: true, client: true })
      // Two devices joining at the same moment can each look up before the other has announced;
      // a second lookup once our own announce is out closes that gap (without delaying ready()).
      discovery.flushed().then(() => discovery.refresh()).catch(safetyCatch)
      for (const key of keys) {
        this.knownKeys.add(key.toString('hex'))
        this.swarm.joinPeer(key)
      }
    } else if (keys.length > 0) {
      this.report({ event: 'peers-ignored', reason: 'swarm keys need the DHT; list host:port peers in LAN-only mode', count: keys.length })
    }

    if (lanOn || this.options.lanPort !== undefined) await this.openLan(lanOn)
    for (const a of addresses) {
      const target: DirectTarget = { ...a, address: formatAddress(a.host, a.port), key: null, backoff: BACKOFF_MIN_MS, timer: null, socket: null }
      this.targets.push(target)
      this.dialTarget(target)
    }
  }

  /** Peers connected now. */
  peers (): PeerInfo[] {
    return [...this.connected.values()]
  }

  /** Leave the topic; destroy the swarm if this ledger created it; close the LAN side. */
  async close (): Promise<void> {
    if (this.closing) return
    this.closing = true
    for (const t of this.targets) if (t.timer !== null) clearTimeout(t.timer)
    const lan = this.lan
    this.lan = null
    const server = this.server
    this.server = null
    for (const socket of this.sockets) socket.destroy()
    this.sockets.clear()
    const lanDone = Promise.all([
      lan?.close(),
      server === null ? undefined : new Promise<void>((resolve) => server.close(() => resolve()))
    ])
    const swarm = this.swarm
    this.swarm = null
    let swarmDone: Promise<void> = Promise.resolve()
    if (swarm !== null) {
      swarm.off('connection', this.onconnection)
      // Leaving can wait on an unreachable DHT; never let that hold the storage lock for long.
      swarmDone = this.owned ? swarm.destroy() : swarm.leave(this.topic)
    }
    this.connected.clear()
    const dht = this.dht
    this.dht = null
    // A DHT that never bootstrapped announced nothing to take back, and what waits on it waits on
    // silent bootstrap nodes (a device with no internet: each ping times out in seconds): its
    // sockets close at once. Otherwise the swarm leaves politely for up to CLOSE_WAIT_MS first.
    let dhtClosed: Promise<void> | null = null
    const closeDht = (): Promise<void> => {
      if (dht === null || dht.destroyed) return Promise.resolve()
      dhtClosed ??= dht.destroy({ force: true }).catch(safetyCatch)
      return dhtClosed
    }
    if (dht !== null && !dht.bootstrapped) void closeDht()
    let timer: NodeJS.Timeout | undefined
    const done = Promise.all([lanDone, swarmDone])
    await Promise.race([done, new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS) })])
    clearTimeout(timer)
    done.catch(safetyCatch)
    // Whatever still waits on an unreachable DHT ends with its sockets; they would keep the process alive.
    await closeDht()
  }

  private report (event: NetworkEvent): void {
    try {
      this.options.onNetworkEvent?.(event)
    } catch {}
  }

  private swarmConnection (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo): void {
    const hex = conn.remotePublicKey.toString('hex')
    const via: PeerVia = this.knownKeys.has(hex) ? 'direct' : 'dht'
    const peer: PeerInfo = { publicKey: encodeKey<SwarmKey>(conn.remotePublicKey), connectedAt: Date.now(), initiator: info.client, via }
    this.store.replicate(conn)
    this.emit('stream', conn)
    conn.on('error', () => {}) // connection errors end the connection; the swarm reconnects
    this.added(conn, peer)
    conn.once('close', () => this.removed(conn, peer))
  }

  /** Drop connections to peers that are denied now (a member was just removed). */
  enforce (): void {
    for (const [conn, peer] of this.connected) {
      if (this.denies(decodeKey(peer.publicKey))) this.drop(conn, peer)
    }
  }

  private denies (key: Buffer): boolean {
    return this.options.deny?.(key) === true
  }

  /** Close a denied peer's connection; the public event keeps its name, `peer-refused`. */
  private drop (conn: object, peer: PeerInfo): void {
    this.connected.delete(conn)
    ;(conn as { destroy (): void }).destroy()
    this.emit('peer-refused', peer)
  }

  private added (conn: object, peer: PeerInfo): void {
    if (this.denies(decodeKey(peer.publicKey))) {
      this.drop(conn, peer)
      return
    }
    // One connection per peer: a second one (mDNS finding a peer the DHT already connected, or
    // the other way round) replicates every core twice, so each append is announced, requested
    // and answered twice and the view check runs twice. The swarm's connection is kept (the
    // swarm reconnects it by itself; a LAN dial checks for a live connection first).
    const twin = this.connectionTo(peer.publicKey)
    if (twin !== null && this.links.has(conn)) {
      ;(conn as { destroy (): void }).destroy()
      return
    }
    if (twin !== null && this.links.has(twin[0])) {
      this.connected.delete(twin[0])
      ;(twin[0] as { destroy (): void }).destroy()
      this.emit('peer-remove', twin[1])
    }
    this.connected.set(conn, peer)
    this.emit('peer-add', peer)
  }

  private connectionTo (publicKey: SwarmKey): [object, PeerInfo] | null {
    for (const entry of this.connected) if (entry[1].publicKey === publicKey) return entry
    return null
  }

  private removed (conn: object, peer: PeerInfo): void {
    if (this.connected.get(conn) !== peer) return
    this.connected.delete(conn)
    this.emit('peer-remove', peer)
  }

  private isConnected (hex: string): boolean {
    for (const p of this.connected.values()) if (decodeKey(p.publicKey).toString('hex') === hex) return true
    return false
  }

  // ---- LAN: a TCP listener announced over mDNS ----

  private async openLan (announce: boolean): Promise<void> {
    const host = this.options.lanHost ?? this.options.dhtHost
    const server = net.createServer((socket) => this.accept(socket))
    server.on('error', (err) => this.report({ event: 'lan-warning', error: String(err) }))
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.options.lanPort ?? 0, host, () => { server.off('error', reject); resolve() })
      })
    } catch (err) {
      // A taken port or a missing address must not stop the ledger: no LAN, and say so.
      this.report({ event: 'lan-warning', error: `LAN listener: ${String(err)}` })
      server.close()
      return
    }
    if (this.closing) {
      server.close()
      return
    }
    this.server = server
    const address = server.address() as net.AddressInfo
    this.report({ event: 'lan-listening', address: formatAddress(address.address, address.port), mdns: announce })
    if (!announce) return
    this.announcing = true
    const keyPair = this.keyPair as { publicKey: Buffer }
    const lan = new LanDiscovery({ discoveryKey: this.topic, id: keyPair.publicKey, port: address.port, host })
    lan.on('warning', (err: unknown) => this.report({ event: 'lan-warning', error: String(err) }))
    lan.on('peer', (p: LanPeer) => this.lanPeer(p))
    this.lan = lan
    lan.start()
  }

  /** An announcement: the device with the smaller key dials, once, unless already connected. */
  private lanPeer (p: LanPeer): void {
    if (this.closing || this.keyPair === null) return
    const hex = p.id.toString('hex')
    if (Buffer.compare(this.keyPair.publicKey, p.id) >= 0) return // the other side dials
    if (this.dialling.has(hex) || this.isConnected(hex)) return
    this.dialling.add(hex)
    const address = formatAddress(p.host, p.port)
    dial(this.link, p.host, p.port, 'lan', p.id, (ok) => {
      this.dialling.delete(hex)
      if (!ok) this.report({ event: 'dial-failed', via: 'lan', address })
    })
  }

  private accept (socket: Socket): void {
    if (this.closing) {
      socket.destroy()
      return
    }
    attach(this.link, socket, false, this.announcing ? 'lan' : 'direct', formatAddress(socket.remoteAddress ?? '?', socket.remotePort ?? 0), null, () => {})
  }

  // ---- Known peers by address ----

  private dialTarget (target: DirectTarget): void {
    if (this.closing) return
    target.timer = null
    if (target.key !== null && this.isConnected(target.key)) {
      this.redial(target, false) // already connected some other way: check again later
      return
    }
    const started = performance.now()
    target.socket = dial(this.link, target.host, target.port, 'direct', null, (ok, key, closed) => {
      if (key !== null) target.key = key.toString('hex')
      if (!ok) {
        this.report({ event: 'dial-failed', via: 'direct', address: target.address })
        this.redial(target, true)
        return
      }
      closed.then(() => {
        target.socket = null
        if (performance.now() - started >= STABLE_MS) target.backoff = BACKOFF_MIN_MS
        this.redial(target, true)
      }, safetyCatch)
    })
  }

  private redial (target: DirectTarget, grow: boolean): void {
    if (this.closing) return
    const delay = target.backoff
    if (grow) target.backoff = Math.min(target.backoff * 2, BACKOFF_MAX_MS)
    target.timer = setTimeout(() => this.dialTarget(target), delay)
    target.timer.unref()
  }
}
