/**
 * LAN discovery over mDNS, with no DHT and no bootstrap node: every device of a ledger announces
 * the TCP port of its LAN listener under a name derived from the ledger's discovery key (never
 * the key itself), with its swarm public key as its id. A device that hears another announces
 * itself too, so both learn of each other; the one with the smaller id dials (net/network.ts).
 *
 * One multicast socket per IPv4 interface address (or only `host` when one is given), so
 * announcements leave by every interface of the device. Addresses are rescanned on every tick, so
 * a device started before its network came up finds its peers once it does. Nothing here throws
 * into the process: socket trouble is reported through `warning`.
 */
import { createHash } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { networkInterfaces } from 'node:os'
import multicastDns from 'multicast-dns'

/** The mDNS port and group (RFC 6762). */
export const MDNS_PORT = 5353

/** Query schedule, ms: quick at first, then a steady beat that also notices healed links. */
const TICKS_MS = [0, 500, 1000, 2000, 3000]
const STEADY_MS = 3000
/** Answer at most this often; every socket hears every packet once per joined interface. */
const RESPOND_MIN_MS = 200
/** Seconds an announcement stays valid. */
const TTL_S = 60

/** A device heard on the LAN. */
export interface LanPeer {
  /** Its swarm public key. */
  id: Buffer
  host: string
  port: number
}

/** The mDNS name a ledger's devices meet under: a hash of the discovery key. */
export function lanName (discoveryKey: Buffer): string {
  return 'ml-' + createHash('sha256').update('meshledger/lan/1\n').update(discoveryKey).digest('hex').slice(0, 40) + '.local'
}

/** IPv4 addresses to announce from: `host` if it names one, else every interface's (loopback only as a last resort). */
export function lanInterfaces (host: string | undefined): string[] {
  if (host !== undefined && host !== '' && host !== '0.0.0.0' && host !== '::') return [host]
  const external: string[] = []
  for (const addrs of Object.values(networkInterfaces())) {
    const v4 = (addrs ?? []).find((a) => a.family === 'IPv4' && !a.internal)
    if (v4 !== undefined) external.push(v4.address)
  }
  return external.length > 0 ? external : ['127.0.0.1']
}

/** Options of {@link LanDiscovery}. */
export interface LanDiscoveryOptions {
  /** The ledger's discovery key. */
  discoveryKey: Buffer
  /** This device's id (its swarm public key). */
  id: Buffer
  /** TCP port of this device's LAN listener. */
  port: number
  /** Interface address to use; default every IPv4 interface. */
  host?: string
}

/**
 * Announces this device and reports others: emits `peer` ({@link LanPeer}) for every
 * announcement heard from another device of the same ledger, and `warning` for socket trouble.
 */
export class LanDiscovery extends EventEmitter {
  readonly name: string
  private readonly id: Buffer
  private readonly idHex: string
  private readonly port: number
  private readonly host: string | undefined
  private readonly sockets = new Map<string, multicastDns.Instance>()
  private timer: NodeJS.Timeout | null = null
  private tick = 0
  private lastResponse = -Infinity
  private closed = false

  constructor (opts: LanDiscoveryOptions) {
    super()
    this.name = lanName(opts.discoveryKey)
    this.id = opts.id
    this.idHex = opts.id.toString('hex')
    this.port = opts.port
    this.host = opts.host
  }

  /** Open the sockets and start announcing. */
  start (): void {
    this.schedule()
  }

  /** Addresses multicast sockets are open on. */
  get interfaces (): string[] {
    return [...this.sockets.keys()]
  }

  /** Stop announcing and close every socket. */
  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await Promise.all([...this.sockets.values()].map((s) => new Promise<void>((resolve) => {
      try {
        s.destroy(() => resolve())
      } catch {
        resolve()
      }
    })))
    this.sockets.clear()
  }

  private schedule (): void {
    if (this.closed) return
    const delay = TICKS_MS[this.tick] ?? STEADY_MS
    this.tick++
    this.timer = setTimeout(() => {
      this.timer = null
      try {
        this.rescan()
        this.query()
      } catch (err) {
        this.emit('warning', err)
      }
      this.schedule()
    }, delay)
    this.timer.unref()
  }

  /** Open sockets for new interface addresses and close those of addresses that went away. */
  private rescan (): void {
    const wanted = new Set(lanInterfaces(this.host))
    for (const [addr, socket] of this.sockets) {
      if (wanted.has(addr)) continue
      this.sockets.delete(addr)
      try { socket.destroy() } catch {}
    }
    for (const addr of wanted) {
      if (this.sockets.has(addr)) continue
      const socket = multicastDns({ interface: addr, bind: '0.0.0.0', port: MDNS_PORT, reuseAddr: true, loopback: true })
      socket.on('error', (err: Error) => {
        // Bind failed (port taken without SO_REUSEADDR, no permission): this interface is out.
        this.emit('warning', err)
        if (this.sockets.get(addr) === socket) this.sockets.delete(addr)
        try { socket.destroy() } catch {}
      })
      socket.on('warning', (err: Error) => this.emit('warning', err))
      socket.on('query', (packet: multicastDns.Packet) => this.onquery(packet))
      socket.on('response', (packet: multicastDns.Packet, rinfo: multicastDns.RemoteInfo) => this.onresponse(packet, rinfo))
      this.sockets.set(addr, socket)
      this.respond() // announce at once on a new interface
    }
  }

  private query (): void {
    for (const socket of this.sockets.values()) socket.query([{ name: this.name, type: 'SRV' }], () => {})
  }

  private onquery (packet: multicastDns.Packet): void {
    if (this.closed) return
    if (packet.questions?.some((q) => q.name === this.name) === true) this.respond()
  }

  /** Announce on every interface (rate-limited: each socket hears each query). */
  private respond (): void {
    const now = performance.now()
    if (now - this.lastResponse < RESPOND_MIN_MS) return
    this.lastResponse = now
    const answers: multicastDns.Answer[] = [
      { name: this.name, type: 'SRV', ttl: TTL_S, data: { port: this.port, target: `${this.idHex.slice(0, 32)}.local`, priority: 0, weight: 0 } },
      { name: this.name, type: 'TXT', ttl: TTL_S, data: [`id=${this.idHex}`] }
    ]
    for (const socket of this.sockets.values()) socket.respond({ answers }, () => {})
  }

  private onresponse (packet: multicastDns.Packet, rinfo: multicastDns.RemoteInfo): void {
    if (this.closed) return
    const records = [...(packet.answers ?? []), ...(packet.additionals ?? [])].filter((a) => a.name === this.name)
    const srv = records.find((a) => a.type === 'SRV')?.data as { port?: unknown } | undefined
    const txt = records.find((a) => a.type === 'TXT')?.data
    if (srv === undefined || !Array.isArray(txt)) return
    const port = srv.port
    if (typeof port !== 'number' || !Number.isInteger(port) || port <= 0 || port > 65535) return
    let id: Buffer | null = null
    for (const item of txt as unknown[]) {
      const text = Buffer.isBuffer(item) ? item.toString('utf8') : typeof item === 'string' ? item : ''
      if (/^id=[0-9a-f]{64}$/.test(text)) id = Buffer.from(text.slice(3), 'hex')
    }
    if (id === null || id.equals(this.id)) return
    this.emit('peer', { id, host: rinfo.address, port } satisfies LanPeer)
  }
}
