/**
 * Peers as the network names them: how they were reached, what is known of them, the known
 * peers an operator lists (`host:port` or a swarm key) and the network's options and events.
 */
import { MeshledgerError } from '../errors.js'
import type Hyperswarm from 'hyperswarm'
import { decodeKey, type SwarmKey } from '../keys.js'
import type { PeerViewCheck } from './view-check.js'

/** A DHT bootstrap node, as `{ host, port }` or `'host:port'`. */
export type BootstrapNode = { host: string, port: number } | string

/** Something the network did worth logging (never an exception). */
export interface NetworkEvent {
  /** `lan-listening`, `lan-warning`, `dial-failed`, `peer-mismatch`, `peers-ignored`. */
  event: string
  [detail: string]: unknown
}

/** How a ledger reaches peers. */
export interface NetworkOptions {
  /** Internal: swarm keys to deny (removed members). */
  deny?: (remotePublicKey: Buffer) => boolean
  /** Use this swarm instead of creating one; the ledger joins its topic but never destroys it. */
  swarm?: Hyperswarm
  /** DHT bootstrap nodes for a swarm the ledger creates (default: the public DHT). */
  bootstrap?: BootstrapNode[]
  /** Address the created DHT binds (tests on one machine need `127.0.0.1`). */
  dhtHost?: string
  /** Use the DHT (Hyperswarm) at all. `false`: LAN discovery and known peers only. Default true. */
  dht?: boolean
  /**
   * Find devices on the local network over mDNS and replicate with them directly. Default true.
   * `false` turns mDNS and the LAN listener off, unless `lanPort` is given: then the listener
   * stays for peers that list this device by address.
   */
  lan?: boolean
  /** Address the LAN listener binds and mDNS announces from. Default: `dhtHost` when given, else every interface. */
  lanHost?: string
  /** TCP port of the LAN listener. Default 0 (any free port); fix it for devices that list this one in `peers`. */
  lanPort?: number
  /** Known peers to dial: device swarm keys (over the DHT) and/or `host:port` of a LAN listener. */
  peers?: string[]
  /** Told what the network does (listening address, failed dials); for logs. */
  onNetworkEvent?: (event: NetworkEvent) => void
}

/** How a peer was reached. */
export type PeerVia = 'dht' | 'lan' | 'direct'

/** A connected peer. */
export interface PeerInfo {
  /** The peer's swarm (Noise) key, not its device key. */
  publicKey: SwarmKey
  /** ms since the epoch. */
  connectedAt: number
  /** True when this side dialled. */
  initiator: boolean
  /**
   * `dht`: found on the DHT; `lan`: found over mDNS; `direct`: a known peer from `peers`. The side
   * that accepted a TCP connection says `lan` when it runs mDNS, `direct` when it only listens.
   */
  via: PeerVia
  /** `host:port` of the other end, for LAN and direct connections. */
  address?: string
  /**
   * In `ledger.peers()`: how the peer's confirmed view compares with this device's; null until
   * the peer has stated it (a peer running an older meshledger never does).
   */
  view?: PeerViewCheck | null
}

/** Parse `host:port` (IPv6 as `[addr]:port`); null when it is not one. */
export function parseHostPort (text: string): { host: string, port: number } | null {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]\s]+):(\d+)$/.exec(text)
  if (m === null) return null
  const port = Number(m[2])
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null
  return { host: m[1], port }
}

/** Split known peers into swarm keys and `host:port` addresses; throws INVALID_OPTION on anything else. */
export function parsePeers (peers: string[]): { keys: Buffer[], addresses: Array<{ host: string, port: number }> } {
  const keys: Buffer[] = []
  const addresses: Array<{ host: string, port: number }> = []
  for (const raw of peers) {
    const text = raw.trim()
    const address = parseHostPort(text)
    if (address !== null) {
      addresses.push(address)
      continue
    }
    try {
      keys.push(decodeKey(text, 'peer key'))
    } catch {
      throw MeshledgerError.invalidOption(`peer ${JSON.stringify(text)} is neither a swarm key nor host:port`)
    }
  }
  return { keys, addresses }
}

/** `host:port`, IPv6 in brackets, IPv4 on a dual-stack listener without its `::ffff:` prefix. */
export function formatAddress (host: string, port: number): string {
  if (host.startsWith('::ffff:') && host.includes('.')) host = host.slice(7) // IPv4 on a dual-stack listener
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`
}
