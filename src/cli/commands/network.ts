/**
 * `bootstrap`: run a DHT bootstrap node for a network with no internet, until SIGINT/SIGTERM.
 * Daemons pointed at it with `--bootstrap IP:PORT` find each other through it.
 */
import { isIPv4 } from 'node:net'
import DHT from 'hyperdht'
import { UsageError } from '../errors.js'
import type { Command } from '../command.js'
import { number } from '../args.js'
import { print, printJson } from '../output.js'

/** The port `hyperdht --bootstrap` uses by default. */
export const DEFAULT_BOOTSTRAP_PORT = 49737

const bootstrap: Command = {
  name: 'bootstrap',
  usage: '',
  summary: 'run a DHT bootstrap node for a network without internet',
  description: `Runs a DHT bootstrap node on IP:PORT (UDP) until SIGINT/SIGTERM and prints its address.
Start daemons with --bootstrap IP:PORT (several nodes: a comma-separated list) and they find
each other through it without the public DHT. IP must be an IPv4 address of this machine that
the daemons can reach; the port must be fixed, so the daemons' configuration stays valid.`,
  options: {
    host: { type: 'string', value: 'IP', help: 'IPv4 address to bind and announce (required)' },
    port: { type: 'string', value: 'PORT', help: `UDP port (default ${DEFAULT_BOOTSTRAP_PORT})` }
  },
  async run (ctx) {
    const host = ctx.flags.host
    if (typeof host !== 'string' || !isIPv4(host) || host === '0.0.0.0') throw new UsageError('--host is the IPv4 address of this machine the daemons reach')
    const port = ctx.flags.port === undefined ? DEFAULT_BOOTSTRAP_PORT : number(String(ctx.flags.port), '--port')
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError('--port is 1-65535')

    let stop = (): void => {}
    const stopped = new Promise<void>((resolve) => { stop = resolve })
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    const node = DHT.bootstrapper(port, host, { host })
    try {
      await node.ready()
      const address = `${host}:${port}`
      if (ctx.json) printJson({ bootstrap: address }, { line: true })
      else print(`bootstrap node on ${address}`, `start daemons with --bootstrap ${address}; stop with Ctrl-C`)
      const alive = setInterval(() => {}, 1 << 30)
      await stopped
      clearInterval(alive)
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      await node.destroy()
    }
  }
}

/** The network commands. */
export const networkCommands: Command[] = [bootstrap]
