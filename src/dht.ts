/**
 * The DHT node a ledger (or a join) creates for the swarm it owns.
 *
 * With the public DHT, hyperdht's defaults are right. With bootstrap nodes of one's own (a network
 * without internet, or a testnet), the node runs non-ephemeral: it asks the bootstrap nodes at
 * start whether its UDP port is reachable and, if it is, marks itself unfirewalled and serves as a
 * DHT node. Left to the defaults, a reachable device on such a network stays "firewalled" for its
 * first 20 minutes: hyperdht's quick reachability ping is only evaluated if its answer arrives
 * before the bootstrap query ends, and with a single bootstrap node the query ends after one round
 * trip, so the answer always comes too late. Two "firewalled" peers then holepunch, and the
 * holepuncher judges its NAT from samples of at least three DHT nodes, which such a network does
 * not have; it replaces its socket, the one the other side has just connected to, and the
 * connection comes up on the dialling side only and times out (seen in network namespaces with one
 * bootstrap node, hyperdht 6.34.0). A reachable peer skips holepunching: the dialler connects to
 * it directly. Devices that serve as DHT nodes also keep the network's announcements when the
 * bootstrap node is down, and give NAT-ed devices the nodes to sample.
 */
import DHT from 'hyperdht'

/** A DHT bootstrap node, as `{ host, port }` or `'host:port'`. */
export type BootstrapNode = { host: string, port: number } | string

/**
 * A DHT node on `bootstrap` (default: the public DHT) bound to `host` (default: every interface);
 * non-ephemeral when the bootstrap nodes are given (see above).
 */
export function createDht (bootstrap?: BootstrapNode[], host?: string): DHT {
  const own = bootstrap === undefined ? {} : { ephemeral: false }
  return new DHT({ bootstrap: bootstrap as Array<{ host: string, port: number }> | undefined, host, ...own })
}
