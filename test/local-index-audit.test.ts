/**
 * `verify` checks the local index (protocol 7) against a derivation afresh from the view's block
 * records: an index that lost a segment or gained one answers queries wrongly while the view is
 * sound, and must be reported (`INDEX_MISMATCH`), never called sound.
 */
import path from 'node:path'
import test from 'brittle'
import RocksDB from 'rocksdb-native'
import { Ledger } from '../src/index.js'
import { LOCAL_INDEX_FOLDER } from '../src/view/local-index.js'
import { create, tmp } from './helpers/index.js'

test('verify reports a local index that lost a segment or holds one too many', async (t) => {
  const storage = await tmp(t)
  const first = await create(t, { storage })
  for (let n = 0; n < 12; n++) await first.append({ type: n % 2 === 0 ? 'note' : 'reading', data: { n } })
  t.ok((await first.verify()).ok, 'sound before anything is touched')
  await first.close()

  const db = new RocksDB(path.join(storage, LOCAL_INDEX_FOLDER))
  await db.ready()
  let victim: Buffer | null = null
  for await (const { key } of db.iterator({ gte: Buffer.from([0x09]), lt: Buffer.from([0x0a]) })) { victim = key; break }
  t.ok(victim !== null, 'the index holds type segments')
  const w = db.write()
  w.tryDelete(victim as Buffer)
  w.tryPut(Buffer.concat([Buffer.from([0x08]), Buffer.alloc(60, 0xee)]), Buffer.from('[[0,1]]'))
  await w.flush()
  w.destroy()
  await db.close()

  const ledger = new Ledger({ storage, swarm: false })
  t.teardown(() => ledger.close())
  await ledger.ready()
  const report = await ledger.verify()
  t.absent(report.ok, 'the report is not sound')
  const problem = report.problems.find((p) => p.code === 'INDEX_MISMATCH')
  t.ok(problem, 'INDEX_MISMATCH is reported')
  t.ok(problem?.message.includes('lacks 1 ') && problem.message.includes('holds 1 '), problem?.message)
})
