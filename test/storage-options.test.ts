/**
 * Memory after a long ingest (issue 13: RSS after 1M entries under 200 MB): the store runs RocksDB
 * with two background jobs and no block cache (replica/storage.ts). RocksDB writes the options it
 * runs with to an OPTIONS file in its folder; the test reads them back from there.
 */
import test from 'brittle'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { openStore } from '../src/replica/storage.js'
import { tmp } from './helpers/index.js'

test('the store runs RocksDB with two background jobs and no block cache', async (t) => {
  const folder = await tmp(t)
  const { store } = await openStore(folder, 512)
  try {
    const core = store.get({ name: 'probe' })
    await core.ready()
    await core.append(Buffer.from('x'))
  } finally {
    await store.close()
  }
  const files = (await readdir(path.join(folder, 'db'))).filter((f) => f.startsWith('OPTIONS-')).sort()
  t.ok(files.length > 0, 'RocksDB wrote its options')
  const options = await readFile(path.join(folder, 'db', files[files.length - 1]), 'utf8')
  t.ok(/^\s*max_background_jobs=2$/m.test(options), 'max_background_jobs=2')
  const tables = options.split('[TableOptions/BlockBasedTable').slice(1)
  t.ok(tables.length > 0, 'block-based table options are listed')
  for (const table of tables) {
    t.ok(/^\s*no_block_cache=true$/m.test(table), 'no block cache')
    t.ok(/^\s*cache_index_and_filter_blocks=false$/m.test(table), 'index and filter blocks beside their tables')
  }
})
