/**
 * A full disk: the real daemon on a small tmpfs. Appends are refused with STORAGE_FULL (507)
 * before the disk fills, `/healthz` says not ready, and once space is back the daemon takes
 * writes again with every acknowledged entry in place. With the watermark off, RocksDB runs
 * out of space mid-write and Autobase closes itself: the daemon reopens the ledger in place.
 */
import { execFile } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import { spawnDaemon, type DaemonProcess } from './helpers/daemon.js'

const run = promisify(execFile)
const WRITERS = 8
const TEXT = 'x'.repeat(2000)
const DEADLINE_MS = 30_000

/** A tmpfs of `size` at a fresh folder, unmounted at teardown; null when this cannot mount. */
async function tmpfs (t: test.Test, size: string): Promise<string | null> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshledger-full-'))
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir])
  } catch (err) {
    await rm(dir, { recursive: true, force: true })
    t.comment(`skipped: cannot mount a tmpfs (needs root): ${String((err as Error).message).split('\n')[0]}`)
    return null
  }
  t.teardown(async () => {
    await run('umount', ['-l', dir]).catch(() => {})
    await rm(dir, { recursive: true, force: true })
  })
  return dir
}

/** Post 2 KB entries from several clients until each is refused; the ids acknowledged, the refusals in order. */
async function fill (d: DaemonProcess): Promise<{ ids: string[], refusals: Array<{ status: number, body: any }> }> {
  const ids: string[] = []
  const refusals: Array<{ status: number, body: any }> = []
  await Promise.all(Array.from({ length: WRITERS }, async (_, w) => {
    for (let i = 0; ; i++) {
      const res = await d.api('POST', '/v1/entries', { type: 'note', data: { text: TEXT, w, i } })
      if (res.status === 201) ids.push(res.body.id)
      else return refusals.push(res)
    }
  }))
  return { ids, refusals }
}

/** Poll `/healthz` with a short backoff until it says ready; resolves with the ms it took. */
async function untilReady (d: DaemonProcess): Promise<number> {
  const start = Date.now()
  for (let wait = 10; Date.now() - start < DEADLINE_MS; wait = Math.min(wait * 2, 500)) {
    if ((await d.api('GET', '/healthz')).body.ready === true) return Date.now() - start
    await new Promise((resolve) => setTimeout(resolve, wait))
  }
  throw new Error('the daemon did not become ready again')
}

async function allPresent (t: test.Test, d: DaemonProcess, ids: string[]): Promise<void> {
  let missing = 0
  for (const id of ids) if ((await d.api('GET', `/v1/entries/${id}`)).status !== 200) missing++
  t.is(missing, 0, `all ${ids.length} acknowledged entries are there`)
}

test('a full disk refuses appends with STORAGE_FULL, reports not ready, and recovers once space is back', async (t) => {
  const mnt = await tmpfs(t, '2m')
  if (mnt === null) return
  const d = await spawnDaemon(t, path.join(mnt, 'data'), ['--no-lan'])
  const { ids, refusals } = await fill(d)
  t.comment(`${ids.length} x 201 before the first refusal`)
  t.ok(ids.length > 0, 'appends succeed while there is room')
  t.is(refusals[0].status, 507, 'the first refusal is 507')
  t.is(refusals[0].body?.error?.code, 'STORAGE_FULL')
  t.is(typeof refusals[0].body.error.message, 'string')
  t.ok(refusals.every((r) => r.status === 507 && r.body?.error?.code === 'STORAGE_FULL'), 'every refusal is STORAGE_FULL')
  const health = await d.api('GET', '/healthz')
  t.is(health.status, 503)
  t.is(health.body.ready, false)
  t.is(health.body?.error?.code, 'STORAGE_FULL')
  t.is((await d.api('GET', '/v1/status')).status, 200, 'the ledger stays open for reads')

  await run('mount', ['-o', 'remount,size=16m', mnt])
  t.comment(`ready again ${await untilReady(d)} ms after space came back`)
  await allPresent(t, d, ids)
  t.is((await d.api('POST', '/v1/entries', { type: 'note', data: 'after' })).status, 201, 'appends are taken again')
  const report = await d.api('POST', '/v1/verify')
  t.is(report.body.ok, true, 'verify passes')
})

test('with the watermark off, storage that fails mid-write is reopened in place once space is back', async (t) => {
  const mnt = await tmpfs(t, '2m')
  if (mnt === null) return
  const d = await spawnDaemon(t, path.join(mnt, 'data'), ['--no-lan', '--min-free', '0'])
  const { ids, refusals } = await fill(d)
  t.comment(`${ids.length} x 201 before the first refusal`)
  t.is(refusals[0].status, 507, 'the first refusal is 507')
  t.is(refusals[0].body?.error?.code, 'STORAGE_FULL')
  t.ok(refusals.every((r) => r.status === 507 && r.body?.error?.code === 'STORAGE_FULL'), 'every refusal is STORAGE_FULL')
  const health = await d.api('GET', '/healthz')
  t.is(health.status, 503)
  t.is(health.body?.error?.code, 'STORAGE_FULL')
  await d.logged((e) => e.event === 'storage-full')

  await run('mount', ['-o', 'remount,size=16m', mnt])
  t.comment(`ready again ${await untilReady(d)} ms after space came back`)
  await d.logged((e) => e.event === 'storage-recovered')
  await allPresent(t, d, ids)
  t.is((await d.api('POST', '/v1/entries', { type: 'note', data: 'after' })).status, 201, 'appends are taken again')
  t.is(await d.stop(), 0, 'and it still stops cleanly')
})
