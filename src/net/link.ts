/**
 * The TCP/Noise link: a LAN or direct connection is a plain TCP socket carrying the same
 * Noise-encrypted replication stream a Hyperswarm connection carries, under this device's swarm
 * key pair, so a peer's `publicKey` is the same whichever way it was reached. A link ends on a
 * failed or slow handshake, a key other than the one expected, or silence; nothing that goes wrong
 * on the socket reaches the process.
 */
import net, { type Socket } from 'node:net'
import safetyCatch from 'safety-catch'
import { encodeKey, type SwarmKey } from '../keys.js'
import { formatAddress, type NetworkEvent, type PeerInfo, type PeerVia } from './peers.js'

/** Longest a TCP connect plus Noise handshake may take, ms. */
const HANDSHAKE_TIMEOUT_MS = 10_000
/** A LAN/direct connection silent this long is dead (keep-alives flow every 5 s), ms. */
const IDLE_TIMEOUT_MS = 12_000
/** TCP keep-alive probes on an idle link, ms. */
const TCP_KEEPALIVE_MS = 5000

/** A replication stream as `store.replicate(isInitiator)` returns it. */
export interface ProtocolStream extends NodeJS.ReadWriteStream {
  noiseStream: { opened: Promise<boolean>, remotePublicKey: Buffer | null, setTimeout (ms: number): void }
  destroy (err?: Error): void
}

/** What a link needs of the network that owns it. */
export interface LinkHost {
  /** Open sockets, destroyed when the network closes. */
  readonly sockets: Set<Socket>
  /** A replication stream of the store under this device's swarm key pair. */
  replicate (initiator: boolean): ProtocolStream
  closing (): boolean
  report (event: NetworkEvent): void
  /** A replication stream starts (other protocols ride on it). */
  stream (stream: ProtocolStream): void
  /** The handshake is done: `peer` is connected over `stream` until it is removed. */
  added (stream: ProtocolStream, peer: PeerInfo): void
  removed (stream: ProtocolStream, peer: PeerInfo): void
}

/** `ok` once the Noise handshake finished, or not; `closed` resolves when the connection ends. */
export type LinkDone = (ok: boolean, key: Buffer | null, closed: Promise<void>) => void

/** Dial `host:port` and replicate over it (`expected`: the key that must answer there, if known). */
export function dial (owner: LinkHost, host: string, port: number, via: PeerVia, expected: Buffer | null, done: LinkDone): Socket {
  const socket = net.connect({ host, port })
  attach(owner, socket, true, via, formatAddress(host, port), expected, done)
  return socket
}

/** Replicate over `socket`, dialled (`initiator`) or accepted. */
export function attach (owner: LinkHost, socket: Socket, initiator: boolean, via: PeerVia, address: string, expected: Buffer | null, done: LinkDone): void {
  owner.sockets.add(socket)
  socket.setNoDelay(true)
  socket.setKeepAlive(true, TCP_KEEPALIVE_MS)
  socket.on('error', () => {}) // ends in close
  let stream: ProtocolStream
  try {
    stream = owner.replicate(initiator)
  } catch (err) {
    owner.sockets.delete(socket)
    socket.destroy()
    owner.report({ event: 'lan-warning', error: String(err) })
    done(false, null, Promise.resolve())
    return
  }
  stream.on('error', () => {})
  owner.stream(stream)
  socket.pipe(stream).pipe(socket)
  const closed = new Promise<void>((resolve) => {
    let ended = false
    const end = (): void => {
      if (ended) return
      ended = true
      owner.sockets.delete(socket)
      socket.destroy()
      stream.destroy()
      resolve()
    }
    socket.once('close', end)
    stream.once('close', end)
  })
  let settled = false
  const settle = (ok: boolean, key: Buffer | null): void => {
    if (settled) return
    settled = true
    clearTimeout(timeout)
    done(ok, key, closed)
  }
  const timeout = setTimeout(() => { socket.destroy(); settle(false, null) }, HANDSHAKE_TIMEOUT_MS)
  timeout.unref()
  closed.then(() => settle(false, null), safetyCatch)
  stream.noiseStream.opened.then((opened) => {
    const key = stream.noiseStream.remotePublicKey
    if (!opened || key === null || owner.closing()) {
      socket.destroy()
      settle(false, key)
      return
    }
    if (expected !== null && !key.equals(expected)) {
      // Someone else answers at the announced address (a stale announcement): not our peer.
      owner.report({ event: 'peer-mismatch', address })
      socket.destroy()
      settle(false, key)
      return
    }
    // A cut cable sends no RST: without this the connection would hang on for TCP's retry timers.
    stream.noiseStream.setTimeout(IDLE_TIMEOUT_MS)
    const peer: PeerInfo = { publicKey: encodeKey<SwarmKey>(key), connectedAt: Date.now(), initiator, via, address }
    owner.added(stream, peer)
    closed.then(() => owner.removed(stream, peer), safetyCatch)
    settle(true, key)
  }, () => {
    socket.destroy()
    settle(false, null)
  })
}
