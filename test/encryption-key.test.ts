/**
 * Joining by key alone (`meshledger daemon --key KEY`, no `--encryption-key`) gets a device that
 * replicates ciphertext it cannot read. The daemon must say so: an error in its log, a problem in
 * `status` (and `/v1/status`), `peers` not blaming the other side, the same after a restart, and
 * the way out (an invite, or `--encryption-key`) in the message, which must work.
 */
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { BIN, spawnDaemon, type DaemonProcess } from './helpers/daemon.js'
import { testnet, tmp } from './helpers/index.js'

const run = promisify(execFile)

/** Poll `fn` every 100 ms until it is true. */
async function poll (fn: () => Promise<boolean>): Promise<void> {
  while (!await fn()) await new Promise((resolve) => setTimeout(resolve, 100))
}

test('a daemon joined by key without the encryption key says so, and --encryption-key fixes it', { timeout: 180_000 }, async (t) => {
  const net = await testnet(t)
  const boot = (net.bootstrap ?? []).map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(',')
  const online = ['--bootstrap', boot, '--dht-host', '127.0.0.1', '--no-lan']
  const dirA = await tmp(t)
  let a: DaemonProcess = await spawnDaemon(t, dirA, online, { offline: false })
  const key = (await a.api('GET', '/v1/status')).body.ledger as string
  const entry = (await a.api('POST', '/v1/entries', { type: 'note', data: 'secret' })).body.id as string

  // The operator's copy of the encryption key, for the way out below.
  t.is(await a.stop(), 0)
  const reader = new Ledger({ storage: path.join(dirA, 'store'), swarm: false })
  await reader.ready()
  const encryptionKey = reader.encryptionKey as string
  await reader.close()
  a = await spawnDaemon(t, dirA, online, { offline: false })

  const dirB = await tmp(t)
  let b = await spawnDaemon(t, dirB, [...online, '--key', key], { offline: false })
  const told = await b.logged((e) => e.event === 'encryption-key-required')
  t.is(told.level, 'error', 'logged as an error')
  t.is(told.code, 'ENCRYPTION_KEY_REQUIRED')
  t.ok(String(told.error).includes('use an invite') && String(told.error).includes('--encryption-key'), 'the message names both ways out')

  const status = (await b.api('GET', '/v1/status')).body
  t.alike(status.problems.map((p: { code: string }) => p.code), ['ENCRYPTION_KEY_REQUIRED'], '/v1/status lists the problem')
  t.alike(status.network, { bootstrap: boot.split(','), dhtHost: '127.0.0.1', offline: false, lanOnly: false })
  const shown = (await run(process.execPath, [BIN, 'status', '--data', dirB])).stdout
  t.ok(/^PROBLEM +ENCRYPTION_KEY_REQUIRED: .*--encryption-key/m.test(shown), 'meshledger status shows it first')

  await poll(async () => (await b.api('GET', '/v1/peers')).body.peers.some((p: { view: unknown }) => p.view != null))
  const peers = (await run(process.execPath, [BIN, 'peers', '--data', dirB])).stdout
  t.absent(peers.includes('other indexers'), 'peers does not blame the other side')
  t.ok(peers.includes('unreadable here') && peers.includes('PROBLEM: ENCRYPTION_KEY_REQUIRED'), 'it says this device cannot read')

  t.is(await b.stop(), 0)
  b = await spawnDaemon(t, dirB, online, { offline: false })
  t.is((await b.logged((e) => e.event === 'encryption-key-required')).code, 'ENCRYPTION_KEY_REQUIRED', 'and again after a restart')

  t.is(await b.stop(), 0)
  b = await spawnDaemon(t, dirB, [...online, '--encryption-key', encryptionKey], { offline: false })
  await poll(async () => (await b.api('GET', `/v1/entries/${entry}`)).status === 200)
  t.alike((await b.api('GET', '/v1/status')).body.problems, [], 'with the key given, no problem')
  t.absent(b.log.some((e) => e.event === 'encryption-key-required'))
  t.is((await b.api('GET', `/v1/entries/${entry}`)).body.data, 'secret', 'and the ledger reads')
})
