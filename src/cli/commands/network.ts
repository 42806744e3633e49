/**
 * `bootstrap`: run a DHT bootstrap node for a network with no internet, until SIGINT/SIGTERM.
 * Daemons pointed at it with `--bootstrap IP:PORT` find each other through it.
 *
 * Next to the bootstrap node run two more DHT nodes (persistent, on the next ports): hyperdht
 * needs them. On a network of its own a device rarely learns that it is reachable (its quick check
 * is answered after its first lookup has ended when there is one node to ask), so it holepunches,
 * and the holepuncher judges the device's NAT from the answers of at least three DHT nodes. With
 * the bootstrap node alone it never reaches a verdict and swaps its socket for a new one, the one
 * the other side has just connected to: in network namespaces, connections came up on the dialling
 * side only and timed out after 13 s. hyperdht's README, too, says an isolated network needs
 * persistent nodes besides the bootstrap node.
 */
import { isIPv4 } from 'node:net'
import { UsageError } from '../errors.js'
import type { Command } from '../command.js'
import { number } from '../args.js'
import { print, printJson } from '../output.js'

/** The port `hyperdht --bootstrap` uses by default. */
export const DEFAULT_BOOTSTRAP_PORT = 49737
/** DHT nodes besides the bootstrap node: with them a device gets the three NAT samples it needs. */
const EXTRA_NODES = 2

const bootstrap: Command = {
  name: 'bootstrap',
  usage: '',
  summary: 'run a DHT bootstrap node for a network without internet',
  description: `Runs a DHT bootstrap node on IP:PORT (UDP) until SIGINT/SIGTERM and prints its address.
Start daemons with --bootstrap IP:PORT (several nodes: a comma-separated list) and they find
each other through it without the public DHT. IP must be an IPv4 address of this machine that
the daemons can reach; the port must be fixed, so the daemons' configuration stays valid.
Two more DHT nodes run alongside, on the next free ports after PORT (usually PORT+1 and
PORT+2, UDP; the daemons must reach them too): devices that holepunch need three DHT nodes.`,
  data: false,
  options: {
    host: { type: 'string', value: 'IP', help: 'IPv4 address to bind and announce (required)' },
    port: { type: 'string', value: 'PORT', help: `UDP port (default ${DEFAULT_BOOTSTRAP_PORT})` }
  },
  async run (ctx) {
    const host = ctx.flags.host
    if (typeof host !== 'string' || !isIPv4(host) || host === '0.0.0.0') throw new UsageError(`--host: expected the IPv4 address of this machine the daemons reach, not ${JSON.stringify(host ?? '')}`)
    const port = ctx.flags.port === undefined ? DEFAULT_BOOTSTRAP_PORT : number(String(ctx.flags.port), '--port')
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`--port: must be 1-65535, not ${port}`)

    const [{ default: DHT }, { keepAlive }] = await Promise.all([import('hyperdht'), import('../../replica/keep-alive.js')])
    let stop = (): void => {}
    const stopped = new Promise<void>((resolve) => { stop = resolve })
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    const node = DHT.bootstrapper(port, host, { host })
    const nodes = [node]
    try {
      await node.ready()
      // One after the other: each takes the next free port and joins through the bootstrap node.
      for (let i = 1; i <= EXTRA_NODES; i++) {
        const extra = new DHT({ bootstrap: [{ host, port }], host, port: port + i, ephemeral: false })
        nodes.push(extra)
        await extra.ready()
      }
      const address = `${host}:${port}`
      const where = (n: InstanceType<typeof DHT>): string => `${host}:${n.localAddress()?.port ?? '?'}`
      const extras = nodes.slice(1).map(where)
      // A node that failed its reachability check stays out of the daemons' routing tables.
      const unreachable = nodes.slice(1).filter((n) => n.ephemeral).map(where)
      if (ctx.json) printJson({ bootstrap: address, nodes: extras, unreachable }, { line: true })
      else print(`bootstrap node on ${address}, DHT nodes on ${extras.join(', ')}`, `start daemons with --bootstrap ${address}; stop with Ctrl-C`)
      if (unreachable.length > 0) process.stderr.write(`warning: the bootstrap node could not reach ${unreachable.join(', ')} (UDP blocked?); devices may fail to connect\n`)
      const alive = keepAlive()
      await stopped
      clearInterval(alive)
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await Promise.all(nodes.map((n) => n.destroy()))
    }
  }
}

/** The network commands. */
export const networkCommands: Command[] = [bootstrap]
