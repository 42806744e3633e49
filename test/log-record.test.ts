import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { LOG_RECORD_FILE, LogRecordFile, type LogMark } from '../src/replica/log-record.js'
import { tmp } from './helpers/index.js'

const mark = (length: number): LogMark => ({ ledger: 'aa', writer: 'bb', length, treeHash: 'cc'.repeat(32) })

test('the log record keeps two slots: a torn newest slot leaves the previous record, both torn is STORAGE_DAMAGED', async (t) => {
  const folder = await tmp(t)
  const file = path.join(folder, LOG_RECORD_FILE)
  const w = new LogRecordFile(folder)
  t.is(await w.read(), null, 'no record in a new folder')
  await w.write(mark(5))
  await w.write(mark(9))
  await w.close()
  t.alike(await new LogRecordFile(folder).read(), mark(9), 'the newest record')

  const bytes = await readFile(file)
  bytes[10] ^= 0x01 // slot 0 holds the second write (seq 2)
  await writeFile(file, bytes)
  t.alike(await new LogRecordFile(folder).read(), mark(5), 'a torn newest slot falls back to the one before')

  const again = new LogRecordFile(folder)
  await again.read()
  await again.write(mark(12))
  await again.close()
  t.alike(await new LogRecordFile(folder).read(), mark(12), 'writing goes on after the older sequence number')

  const both = await readFile(file)
  both[10] ^= 0x01
  both[512 + 10] ^= 0x01
  await writeFile(file, both)
  try {
    await new LogRecordFile(folder).read()
    t.fail('read a record from two torn slots')
  } catch (err) {
    t.is((err as { code?: string }).code, 'STORAGE_DAMAGED')
  }
})
