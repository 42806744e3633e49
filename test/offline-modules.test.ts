/**
 * An offline ledger (`swarm: false`, the daemon's `--offline`) loads no networking: Hyperswarm,
 * HyperDHT (with dht-rpc and udx-native) and multicast-dns are loaded only when a network is
 * opened, 65 modules an offline daemon used to hold in its heap. Checked in a fresh process, since
 * other tests load them on purpose.
 */
import { spawnSync } from 'node:child_process'
import test from 'brittle'
import { tmp } from './helpers/index.js'

const LEDGER = new URL('../src/ledger.js', import.meta.url).href

/** Packages only a ledger with a network needs. */
const NETWORKING = ['hyperswarm/', 'hyperdht/', 'dht-rpc/', 'udx-native/', 'multicast-dns/']

const SCRIPT = `
import { createRequire } from 'node:module'
const { Ledger } = await import(${JSON.stringify(LEDGER)})
const ledger = new Ledger({ storage: process.argv[1], swarm: false })
await ledger.ready()
await ledger.append({ type: 'note', data: 1 })
await ledger.close()
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))
`

test('an offline ledger loads no networking module', async (t) => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT, await tmp(t)], { encoding: 'utf8' })
  t.is(run.status, 0, run.stderr)
  const loaded = JSON.parse(run.stdout) as string[]
  t.ok(loaded.some((f) => f.includes('/node_modules/autobase/')), 'autobase is loaded (the check sees the module cache)')
  for (const name of NETWORKING) t.absent(loaded.find((f) => f.includes(`/node_modules/${name}`)), `${name} not loaded`)
})
