import { readdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { openStore } from '../src/replica/storage.js'
import { tmp } from './helpers/index.js'

const FILLER = Buffer.alloc(512 * 1024, 7)

test('a durable sync covers the WAL a write went to when RocksDB moves to a new one after it', async (t) => {
  const dir = await tmp(t)
  const { store, wal } = await openStore(dir, 64)
  t.teardown(async () => { await wal.close(); await store.close() })
  const rocks = (store as unknown as { storage: { rocks: { currentWalFile: () => Promise<{ number: number }> } } }).storage.rocks
  const entry = store.get({ name: 'entries' })
  const filler = store.get({ name: 'filler' })
  await entry.ready()
  await filler.ready()
  await wal.sync()

  let caught = 0
  for (let round = 0; round < 8 && caught < 2; round++) {
    // The acknowledged write, then more writes (as one Autobase append makes) until RocksDB
    // switches to a new WAL: the acknowledged bytes sit in the older file.
    const before = (await rocks.currentWalFile()).number
    await entry.append(Buffer.from(`entry ${round}`))
    while ((await rocks.currentWalFile()).number === before) await filler.append(FILLER)
    const older = `${String(before).padStart(6, '0')}.log`
    const present = (await readdir(path.join(dir, 'db'))).includes(older)
    await wal.sync()
    // A file RocksDB already flushed into an SST and deleted needs no sync; one still there does.
    if (!present || !(await readdir(path.join(dir, 'db'))).includes(older)) continue
    caught++
    t.ok(wal.synced.includes(older), `round ${round}: ${older}, holding the acknowledged write, was synced (synced ${wal.synced.join(', ')})`)
  }
  t.ok(caught > 0, `caught the older WAL still on disk in ${caught} rotations`)
})
