/**
 * `meshledger backup` / `restore`: a consistent copy of a running daemon, restored into an empty
 * folder only, and a restored device that cannot fork its log.
 */
import { execFile } from 'node:child_process'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import { Ledger, type Entry } from '../src/index.js'
import { create, tmp, until } from './helpers/index.js'
import { BIN, spawnDaemon, type DaemonProcess } from './helpers/daemon.js'

const run = promisify(execFile)

async function cli (...args: string[]): Promise<{ code: number, stdout: string, stderr: string }> {
  return await run(process.execPath, [BIN, ...args]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (err: { code: number, stdout: string, stderr: string }) => ({ code: err.code, stdout: err.stdout, stderr: err.stderr })
  )
}

async function append (d: DaemonProcess, n: number): Promise<{ status: number, body: any }> {
  return await d.api('POST', '/v1/entries', { type: 'note', data: { n } })
}

test('backup of a running daemon while a client appends: every acknowledged entry restored, sound', async (t) => {
  const data = await tmp(t)
  await mkdir(path.join(data, 'backup-0123456789ab.tmp', 'store'), { recursive: true })
  const d = await spawnDaemon(t, data)
  t.absent((await readdir(data)).some((n) => n.startsWith('backup-')), 'a copy left by a daemon stopped mid-backup is removed on start')
  const acked: string[] = []
  let writing = true
  let twenty = (): void => {}
  const started = new Promise<void>((resolve) => { twenty = resolve })
  const writer = (async () => {
    for (let n = 0; writing; n++) {
      const r = await append(d, n)
      if (r.status === 201) acked.push(r.body.id as string)
      if (acked.length === 20) twenty()
    }
  })()
  await started
  const before = acked.length
  const file = path.join(await tmp(t), 'ledger.tar')
  const backup = await cli('backup', file, '--data', data, '--json')
  const during = acked.length
  writing = false
  await writer
  t.is(backup.code, 0, 'backup exits 0')
  const { manifest } = JSON.parse(backup.stdout) as { manifest: { ledger: string, device: string, ownLog: number, createdAt: string } }
  t.ok(manifest.ownLog > 0 && manifest.ledger.length > 0, 'the manifest names the ledger and lengths')
  t.ok(during > before, 'appends went on while the backup ran')

  const restored = path.join(await tmp(t), 'restored')
  const r = await cli('restore', file, '--data', restored)
  t.is(r.code, 0, 'restore exits 0')
  t.absent((await readdir(path.join(restored, 'store'))).includes('api-token'), 'no API token carried')
  const ledger = new Ledger({ storage: path.join(restored, 'store'), swarm: false })
  t.teardown(() => ledger.close())
  await ledger.ready()
  let missing = 0
  for (const id of acked.slice(0, before)) if (await ledger.get(id) === null) missing++
  t.is(missing, 0, `all ${before} entries acknowledged before the backup started are in the restore`)
  const report = await ledger.verify()
  t.ok(report.ok, 'the restored folder verifies sound')
  try {
    await ledger.append({ type: 'note', data: {} })
    t.fail('a restored device wrote before meeting a peer')
  } catch (err) {
    t.is((err as { code?: string }).code, 'RESTORE_PENDING', 'offline, the restored device refuses writes with RESTORE_PENDING')
  }
})

test('restore refuses a folder that is not empty, and a file that is not a backup', async (t) => {
  const data = await tmp(t)
  await cli('init', '--data', data)
  const file = path.join(await tmp(t), 'b.tar')
  t.is((await cli('backup', file, '--data', data)).code, 0, 'backup of a stopped folder')
  const busy = await tmp(t)
  await writeFile(path.join(busy, 'keep.txt'), 'mine')
  const refused = await cli('restore', file, '--data', busy)
  t.is(refused.code, 2, 'a non-empty folder: usage error')
  t.alike(await readdir(busy), ['keep.txt'], 'nothing written into it')
  const junk = path.join(await tmp(t), 'junk.tar')
  await writeFile(junk, 'not a tar')
  const empty = path.join(await tmp(t), 'empty')
  await mkdir(empty)
  t.is((await cli('restore', junk, '--data', empty)).code, 2, 'not a backup: usage error')
  t.is((await cli('backup', file, '--data', data)).code, 2, 'backup will not overwrite a file')
})

test('a restored device does not fork: it refuses writes until it has its log back from a peer', async (t) => {
  // Direct TCP (A's LAN listener, no DHT, no mDNS): the restored device keeps B's swarm key,
  // and the point here is its log, not how the swarm finds a device that came back.
  let listening = (_address: string): void => {}
  const address = new Promise<string>((resolve) => { listening = resolve })
  const a = await create(t, { swarm: undefined, dht: false, lan: false, lanHost: '127.0.0.1', lanPort: 0, onNetworkEvent: (e) => { if (e.event === 'lan-listening') listening(String(e.address)) } })
  const netFlags = ['--lan-only', '--no-lan', '--peers', await address]
  const forks: unknown[] = []
  a.on('fork', (f) => forks.push(f))
  const join = ['--key', a.key, '--encryption-key', a.encryptionKey ?? '', ...netFlags]

  const dirB = await tmp(t)
  const b = await spawnDaemon(t, dirB, join, { offline: false })
  const device = (await b.api('GET', '/v1/status')).body.device as string
  await a.addMember(device)
  await b.logged((e) => e.event === 'writable')
  const ids: string[] = []
  for (let n = 0; n < 5; n++) ids.push((await append(b, n)).body.id as string)
  const file = path.join(await tmp(t), 'b.tar')
  t.is((await cli('backup', file, '--data', dirB)).code, 0, 'B backed up')
  for (let n = 5; n < 12; n++) ids.push((await append(b, n)).body.id as string)
  await until([a], async () => (await Promise.all(ids.map(async (id) => await a.get(id)))).every((e: Entry | null) => e !== null))
  const written = ((await b.api('GET', '/v1/status')).body.ownLog as { stored: number }).stored
  await b.stop()

  const dirB2 = path.join(await tmp(t), 'b2')
  t.is((await cli('restore', file, '--data', dirB2)).code, 0, 'restored into a new folder')
  const b2 = await spawnDaemon(t, dirB2, netFlags, { offline: false })
  const early = await append(b2, 100)
  if (early.status === 201) t.pass('caught up before the first write')
  else t.is(early.body.error.code, 'RESTORE_PENDING', 'a write before the log is back: RESTORE_PENDING')
  await b2.logged((e) => e.event === 'storage-restored')
  const status = (await b2.api('GET', '/v1/status')).body as { ownLog: { stored: number, restorePending: boolean } }
  t.ok(status.ownLog.stored >= written, `the restored log holds all ${written} blocks B wrote`)
  t.absent(status.ownLog.restorePending, 'no longer pending')
  const later = await append(b2, 200)
  t.is(later.status, 201, 'writes once its log is back')
  await until([a], async () => await a.get(later.body.id as string) !== null)
  const found: unknown[] = []
  for await (const f of a.forks()) found.push(f)
  t.is(found.length + forks.length, 0, 'A saw no fork')
  await rm(file, { force: true })
})
