#!/usr/bin/env node
/**
 * The `meshledger` command. Today it runs the edge daemon: the ledger in a data folder, replicating
 * with every peer it finds, until SIGINT/SIGTERM. It only wires argv to the library.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isMeshledgerError, Ledger, type BootstrapNode } from '../src/index.js'

const HELP = `meshledger: a local-first peer-to-peer ledger for edge devices

Usage:
  meshledger daemon [options]   run the ledger in a data folder until SIGINT/SIGTERM

Options:
  --data DIR            data folder (default: ./data in the project; env MESHLEDGER_DATA)
  --key KEY             join the ledger with this key (z32 or hex) instead of creating one
  --bootstrap LIST      DHT bootstrap nodes, host:port[,host:port] (env MESHLEDGER_BOOTSTRAP)
  --dht-host IP         address the DHT binds (env MESHLEDGER_DHT_HOST)
  --offline             do not join the swarm
  --ack-interval MS     how often an indexer acknowledges (default 200)
  --json                print one JSON line per event
  -h, --help            show this help
`

const EXIT_USAGE = 2
const EXIT_FAILED = 1

async function main (argv: string[]): Promise<number> {
  let parsed
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        key: { type: 'string' },
        bootstrap: { type: 'string' },
        'dht-host': { type: 'string' },
        offline: { type: 'boolean' },
        'ack-interval': { type: 'string' },
        json: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' }
      }
    })
  } catch (err) {
    process.stderr.write(`meshledger: ${(err as Error).message}\n${HELP}`)
    return EXIT_USAGE
  }
  const { values, positionals } = parsed
  if (values.help === true) {
    process.stdout.write(HELP)
    return 0
  }
  if (positionals[0] !== 'daemon' || positionals.length > 1) {
    process.stderr.write(`meshledger: unknown command ${positionals.join(' ') || '(none)'}\n${HELP}`)
    return EXIT_USAGE
  }

  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
  const storage = path.resolve(values.data ?? process.env.MESHLEDGER_DATA ?? path.join(root, 'data'))
  const bootstrapList = values.bootstrap ?? process.env.MESHLEDGER_BOOTSTRAP
  const bootstrap: BootstrapNode[] | undefined = bootstrapList?.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const dhtHost = values['dht-host'] ?? process.env.MESHLEDGER_DHT_HOST
  const ackInterval = values['ack-interval'] === undefined ? undefined : Number(values['ack-interval'])
  const json = values.json === true || !process.stdout.isTTY

  const log = (event: string, fields: Record<string, unknown>): void => {
    if (json) {
      process.stdout.write(JSON.stringify({ time: new Date().toISOString(), event, ...fields }) + '\n')
    } else {
      const rest = Object.entries(fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')
      process.stdout.write(`${event} ${rest}\n`)
    }
  }

  // Listen before anything is printed: a signal that arrives before the listener exists kills
  // the process outright (its default action), mid-write.
  let stop = (): void => {}
  const stopped = new Promise<void>((resolve) => { stop = resolve })
  process.on('SIGINT', stop)
  process.on('SIGTERM', stop)

  let ledger: Ledger
  try {
    ledger = new Ledger({
      storage,
      key: values.key,
      swarm: values.offline === true ? false : undefined,
      bootstrap,
      dhtHost,
      ackInterval
    })
    await ledger.ready()
  } catch (err) {
    process.stderr.write(`meshledger: ${(err as Error).message}\n`)
    return isMeshledgerError(err, 'INVALID_OPTION') || isMeshledgerError(err, 'INVALID_KEY') ? EXIT_USAGE : EXIT_FAILED
  }

  ledger.on('peer-add', (p) => log('peer-add', { peer: p.publicKey }))
  ledger.on('peer-remove', (p) => log('peer-remove', { peer: p.publicKey }))
  ledger.on('writable', () => log('writable', {}))
  ledger.on('upgrade-required', (err) => log('upgrade-required', { error: err.message }))
  log('ready', { mode: ledger.mode, ledger: ledger.key, device: ledger.deviceKey, data: storage, writable: ledger.writable })

  const alive = setInterval(() => {}, 1 << 30) // an offline daemon has no socket to keep it up
  await stopped
  clearInterval(alive)
  log('stopping', {})
  await ledger.close()
  log('stopped', {})
  return 0
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`meshledger: ${String((err as Error)?.stack ?? err)}\n`)
  process.exitCode = EXIT_FAILED
})
