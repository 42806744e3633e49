/**
 * A device restored from a backup fetches the rest of its own log from a peer while its Autobase
 * is open, and Autobase's apply state keeps an atomic session on that log from its open on, and
 * flushes it with every batch it applies. Stock hypercore (lib/session-state.js `_oncommit`, and
 * the head hypercore-storage's `createAtomicSession` stages) handed the log the session's older
 * tree at each flush: the fetched blocks were cut off in memory and on disk, with no truncate
 * event, and the next append signed a second block at an index the peer already held
 * (backup.test failed once so: "conflict detected" on the restored device's log, then a hang).
 * Patched in patches/hypercore+11.37.1.patch (`_precommit`).
 */
import path from 'node:path'
import test from 'brittle'
import Corestore from 'corestore'
import { snapshotStore } from '../src/replica/snapshot.js'
import { tmp } from './helpers/index.js'

const BACKED_UP = 2
const WRITTEN_AFTER = 3

/** What this test uses of hypercore-storage's atoms (Autobase's apply state holds one). */
interface AtomicStorage {
  createAtom: () => { flush: () => Promise<void> }
}

test('an atom opened before a restored log fetched its blocks back keeps them when it flushes', async (t) => {
  const dir = await tmp(t)
  const device = new Corestore(dir)
  t.teardown(() => device.close())
  const log = device.get({ name: 'local' })
  await log.ready()
  for (let i = 0; i < BACKED_UP; i++) await log.append(Buffer.from(`before ${i}`))
  const copy = path.join(await tmp(t), 'copy')
  await snapshotStore(device, dir, copy, () => null)
  for (let i = 0; i < WRITTEN_AFTER; i++) await log.append(Buffer.from(`after ${i}`))
  const conflicts: number[] = []
  log.on('conflict', (length) => conflicts.push(length))

  let restored = new Corestore(copy)
  const own = restored.get({ name: 'local' })
  await own.ready()
  t.ok(own.writable && own.key.equals(log.key), 'the copy holds the same writable log')
  t.is(own.length, BACKED_UP, 'as it was when the backup was taken')
  // As Autobase's apply state does from its open on: an atomic session on the local log.
  const atom = (restored as unknown as { storage: AtomicStorage }).storage.createAtom()
  const session = own.session({ atom })
  await session.ready()

  const stream = device.replicate(true)
  stream.pipe(restored.replicate(false)).pipe(stream)
  await own.update({ wait: true, force: true })
  for (let i = BACKED_UP; i < own.length; i++) await own.get(i)
  const whole = BACKED_UP + WRITTEN_AFTER
  t.is(own.length, whole, 'the peer gave the log back')

  await session.setUserData('autobase/boot', Buffer.from('applied')) // an apply flush
  await atom.flush()
  t.is(own.length, whole, 'the atom flush keeps the fetched blocks')
  await session.close()
  await restored.close()

  restored = new Corestore(copy)
  t.teardown(() => restored.close())
  const reopened = restored.get({ name: 'local' })
  await reopened.ready()
  t.is(reopened.length, whole, 'and so does the stored log')
  if (reopened.length !== whole) return // an append now would fork the log: nothing more to see
  await reopened.append(Buffer.from('next'))
  const again = device.replicate(true)
  again.pipe(restored.replicate(false)).pipe(again)
  t.is((await log.get(whole))?.toString(), 'next', 'the next block follows the fetched ones on the peer')
  t.alike(conflicts, [], 'the peer saw no fork')
})
