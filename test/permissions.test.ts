import { chmod, lstat, readdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

/** Every path under `root` whose mode lets anyone but the owner in. */
async function loose (root: string): Promise<string[]> {
  const out: string[] = []
  const stat = await lstat(root)
  if ((stat.mode & 0o077) !== 0) out.push(`${root} ${(stat.mode & 0o777).toString(8)}`)
  if (stat.isDirectory()) for (const name of await readdir(root)) out.push(...await loose(path.join(root, name)))
  return out
}

async function chmodAll (root: string, folder: number, file: number): Promise<void> {
  const stat = await lstat(root)
  await chmod(root, stat.isDirectory() ? folder : file)
  if (stat.isDirectory()) for (const name of await readdir(root)) await chmodAll(path.join(root, name), folder, file)
}

test('a ledger folder is owner-only whatever the umask, and a loose one is tightened on open', async (t) => {
  const umask = process.umask(0o022)
  t.teardown(() => { process.umask(umask) })
  const storage = path.join(await tmp(t), 'store')
  const a = new Ledger({ storage, swarm: false })
  await a.ready()
  await a.append({ type: 'note', data: 'secret' })
  await a.close()
  t.alike(await loose(storage), [], 'folders 0700 and files 0600 after a run under umask 022')

  await chmodAll(storage, 0o755, 0o644)
  const b = new Ledger({ storage, swarm: false })
  const tightened = new Promise<{ folder: string, paths: string[] }>((resolve) => b.once('permissions-tightened', resolve))
  await b.ready()
  const event = await tightened
  t.is(event.folder, storage)
  t.ok(event.paths.includes(storage) && event.paths.length > 3, `reported ${event.paths.length} paths`)
  // Files RocksDB creates while open follow the umask, inside folders nobody else can enter.
  t.alike((await loose(storage)).filter((p) => !p.endsWith(' 644')), [], 'folders tightened on open')
  await b.append({ type: 'note', data: 'more' })
  await b.close()
  t.alike(await loose(storage), [], 'and every file at close')
})

test('the daemon keeps its data folder owner-only and says when it tightened one', async (t) => {
  const data = await tmp(t)
  await chmod(data, 0o755)
  const d = await spawnDaemon(t, data)
  const line = await d.logged((e) => e.event === 'permissions-tightened')
  t.is(line.folder, data)
  t.is(await d.stop(), 0)
  t.alike(await loose(data), [], 'data folder, token, store and RocksDB files owner-only')
})
