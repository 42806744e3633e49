/**
 * Peer devices and connections by path, for the daemon's metrics and the command's `status`: a
 * device reached twice (over the LAN and the DHT, for a moment) is one peer with two connections.
 */
import type { PeerInfo } from './peers.js'

/** Distinct devices (swarm keys) among `peers`, and their connections counted by path. */
export function peerFigures (peers: PeerInfo[]): { devices: number, connections: Record<PeerInfo['via'], number> } {
  const connections: Record<PeerInfo['via'], number> = { dht: 0, lan: 0, direct: 0 }
  for (const p of peers) connections[p.via]++
  return { devices: new Set(peers.map((p) => p.publicKey)).size, connections }
}
