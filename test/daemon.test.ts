import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import path from 'node:path'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { tmp } from './helpers.js'

const BIN = new URL('../bin/meshledger.js', import.meta.url).pathname

test('the daemon starts on a data folder, prints its keys, and stops cleanly on SIGTERM', async (t) => {
  const data = await tmp(t)
  const child = spawn(process.execPath, [BIN, 'daemon', '--data', data, '--offline'], { stdio: ['ignore', 'pipe', 'inherit'] })
  const lines = createInterface({ input: child.stdout })
  const events: Array<Record<string, unknown>> = []
  const ready = new Promise<Record<string, unknown>>((resolve) => {
    lines.on('line', (line) => {
      const ev = JSON.parse(line) as Record<string, unknown>
      events.push(ev)
      if (ev.event === 'ready') resolve(ev)
    })
  })
  const info = await ready
  t.is(info.mode, 'created')
  t.is(info.writable, true)
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.is(code, 0)
  t.ok(events.some((e) => e.event === 'stopped'))

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
  t.ok(err.includes('Usage:'))
})
