/**
 * Connected devices rather than connections: the API lists one entry per connection, and one
 * device reached over the LAN and the DHT has two. Grouped by swarm key, each named by the device
 * key the ledger's member records give that swarm key.
 */

/** A peer's view check, as the API states it. */
export interface PeerView {
  length: number
  position: 'equal' | 'behind' | 'ahead'
  result: 'match' | 'mismatch' | 'ahead' | 'other-indexer-set'
}

/** One connection, as `GET /v1/peers` lists it. */
export interface PeerInfo { publicKey: string, connectedAt: number, initiator: boolean, via: 'dht' | 'lan' | 'direct', address?: string, view?: PeerView | null }

/** A connected device: its connections (one per way it was reached) under one swarm key. */
export interface ConnectedDevice {
  /** Its device key, when the ledger's member records know which device the swarm key is. */
  device: string | null
  swarmKey: string
  connections: PeerInfo[]
}

/**
 * Connections grouped by device: one device reached over the LAN and the DHT is one device with
 * two connections. `members` maps swarm keys (hex, as the member records hold them) to devices.
 */
export async function connectedDevices (peers: PeerInfo[], members: Array<{ key: string, swarmKey?: string }>): Promise<ConnectedDevice[]> {
  const { decodeKey } = await import('../keys.js')
  const bySwarm = new Map(members.filter((m) => m.swarmKey !== undefined).map((m) => [m.swarmKey as string, m.key]))
  const devices = new Map<string, ConnectedDevice>()
  for (const p of peers) {
    let d = devices.get(p.publicKey)
    if (d === undefined) {
      d = { device: bySwarm.get(decodeKey(p.publicKey, 'swarm key').toString('hex')) ?? null, swarmKey: p.publicKey, connections: [] }
      devices.set(p.publicKey, d)
    }
    d.connections.push(p)
  }
  return [...devices.values()]
}

