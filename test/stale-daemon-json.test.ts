/**
 * After a power cut, `daemon.json` can name a pid that is alive again as an unrelated process.
 * The storage lock is the truth: the daemon starts, and commands open the folder themselves.
 */
import { execFile, spawn } from 'node:child_process'
import { once } from 'node:events'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

const run = promisify(execFile)

/** A live process that is no daemon, named in `data`/daemon.json with an address nothing serves. */
async function staleInfo (t: test.Test, data: string): Promise<number> {
  const other = spawn('sleep', ['600'], { stdio: 'ignore' })
  t.teardown(async () => { if (other.exitCode === null) { other.kill(); await once(other, 'exit') } })
  const pid = other.pid as number
  await writeFile(path.join(data, 'daemon.json'), JSON.stringify({ pid, url: 'http://127.0.0.1:9' }) + '\n')
  return pid
}

test('a stale daemon.json naming a live unrelated pid does not stop the daemon', async (t) => {
  const data = await tmp(t)
  const first = await spawnDaemon(t, data, ['--no-lan'])
  t.is(await first.stop(), 0)
  const pid = await staleInfo(t, data)
  const d = await spawnDaemon(t, data, ['--no-lan'])
  t.not(d.child.pid, pid)
  t.is((await d.api('GET', '/healthz')).body.pid, d.child.pid, 'the new daemon advertises itself')
  t.is((await d.api('POST', '/v1/entries', { type: 'note', data: 'hello' })).status, 201)
})

test('a command on a folder whose daemon.json names a live unrelated pid opens the storage itself', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data, ['--no-lan'])
  const ledger = (await d.api('GET', '/v1/status')).body.ledger as string
  t.is(await d.stop(), 0)
  await staleInfo(t, data)
  const { stdout } = await run(process.execPath, [BIN, 'status', '--data', data, '--json'])
  t.is(JSON.parse(stdout).ledger, ledger, 'status answered from the folder')
  await run(process.execPath, [BIN, 'append', 'note', '"after the power cut"', '--data', data])
  t.pass('and a write works')
})
