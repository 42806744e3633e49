/**
 * A restored device records its log at the restored length before it drops the restore mark
 * (replica/own-log.ts). The blocks fetched back from peers sit in RocksDB's WAL, unsynced, while
 * the mark's removal is durable at once: with the record left at the backup's length, a power cut
 * right after would leave a folder with no mark whose log looks whole at that length, and the
 * device would sign those indexes again (a fork). Recorded at the restored length, the next open
 * finds the loss instead: the log is shorter than its record.
 */
import test from 'brittle'
import type Hypercore from 'hypercore'
import { LogRecordFile } from '../src/replica/log-record.js'
import { readRestoreMark } from '../src/replica/restore-mark.js'
import { replicate } from './helpers/index.js'
import { restoredDevice } from './helpers/restored.js'

test('a restored log is recorded at its restored length before the restore mark goes', { timeout: 120_000 }, async (t) => {
  const { a, b2, folder } = await restoredDevice(t)
  const before = (await new LogRecordFile(folder).read())?.length ?? 0 // a backup carries none
  // Hold the reopen that follows the restore: the folder then is what a power cut would leave.
  const replica = (b2 as unknown as { replica: { restart: () => Promise<void>, base: { local: Hypercore } } }).replica
  const restored = new Promise<void>((resolve) => { replica.restart = async () => { resolve() } })
  t.teardown(replicate(a, b2))
  await restored

  t.is(await readRestoreMark(folder), null, 'the restore mark is gone')
  const after = await new LogRecordFile(folder).read()
  const local = replica.base.local
  t.ok(after !== null && after.length > before && after.length >= 8, `recorded at ${String(after?.length)} blocks (at open: ${before}): the 8 entries written, the 5 after the backup too`)
  if (after !== null) t.is(after.treeHash, (await local.treeHash(after.length)).toString('hex'), 'and names the log\'s history at that length')
})
