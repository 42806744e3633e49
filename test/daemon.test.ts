import { spawn } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

test('the daemon starts on a data folder, prints its keys, and stops cleanly on SIGTERM', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data)
  const info = await d.logged((e) => e.event === 'ready')
  t.is(info.mode, 'created')
  t.is(info.writable, true)
  t.is(await d.stop(), 0)
  t.ok(await d.logged((e) => e.event === 'stopped'))

  const reopened = new Ledger({ storage: path.join(data, 'store'), swarm: false })
  await reopened.ready()
  t.is(reopened.key, info.ledger, 'the folder holds the ledger the daemon created')
  t.is(reopened.deviceKey, info.device)
  await reopened.close()
})

test('the command refuses unknown commands with a usage exit code', async (t) => {
  const child = spawn(process.execPath, [BIN, 'frobnicate'], { stdio: ['ignore', 'ignore', 'pipe'] })
  let err = ''
  child.stderr.on('data', (d: Buffer) => { err += d.toString() })
  const [code] = await once(child, 'exit')
  t.is(code, 2)
  t.ok(err.startsWith('meshledger: USAGE: unknown command "frobnicate"'), err.trim())
})
