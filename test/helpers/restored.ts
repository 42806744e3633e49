/**
 * A device restored from a backup older than its log, as `meshledger restore` leaves it.
 */
import path from 'node:path'
import type test from 'brittle'
import Corestore from 'corestore'
import { Ledger } from '../../src/index.js'
import { markRestored } from '../../src/replica/restore-mark.js'
import { create, replicate, tmp, until } from './index.js'

/** What {@link restoredDevice} gives: the peer `a`, the restored device `b2` in `folder`, the ids written after the backup. */
export interface Restored { a: Ledger, b2: Ledger, folder: string, later: string[] }

/**
 * Device b writes 3 entries, is backed up, writes 5 more (`later`, all on `a`), then its backup is
 * restored into `folder` and opened offline as `b2`.
 */
export async function restoredDevice (t: test.Test): Promise<Restored> {
  const a = await create(t)
  const dirB = await tmp(t)
  const b = await create(t, { storage: dirB, key: a.key, encryptionKey: a.encryptionKey })
  await a.addMember(b.deviceKey)
  const unpipe = replicate(a, b)
  await until([b], () => b.writable)
  for (let n = 0; n < 3; n++) await b.append({ type: 'note', data: { n } })
  const folder = path.join(await tmp(t), 'copy')
  await b.snapshot(folder)
  const later: string[] = []
  for (let n = 3; n < 8; n++) later.push((await b.append({ type: 'note', data: { n } })).id)
  await until([a], async () => (await Promise.all(later.map(async (id) => await a.get(id)))).every((e) => e !== null))
  unpipe()
  await b.close()
  // As `meshledger restore` does: the copy's first open gives it a device file of its own (and
  // files hypercore-storage does not know would move into db/ then), then the restore mark.
  const once = new Corestore(folder)
  await once.ready()
  await once.close()
  await markRestored(folder, { backupCreatedAt: Date.now(), restoredAt: Date.now() })

  const b2 = new Ledger({ storage: folder, swarm: false })
  t.teardown(() => b2.close())
  await b2.ready()
  return { a, b2, folder, later }
}
