/**
 * A device opens a writer's log once its view holds a block of it. Opening a log creates it in
 * storage, and a stored core is served to every peer: a fleet admitted before any of its devices
 * wrote left each device with an empty copy of every other member's log, and the gateway meeting
 * them then had a peer per device on every log, each told of every block it fetched.
 */
import test from 'brittle'
import { randomBytes } from 'node:crypto'
import Corestore from 'corestore'
import crypto from 'hypercore-crypto'
import { decodeKey } from '../src/keys.js'
import { WriterTracker } from '../src/replica/writer-tracker.js'
import { create, replicate, tmp } from './helpers/index.js'
import { mergeFleet, offlineFleet } from './helpers/fleet.js'
import { viewOf } from './helpers/internals.js'

const WRITERS = 3
const EACH = 2

test('member logs: no copy of a writer\'s log is stored before the view holds a block of it, then the whole log is fetched', async (t) => {
  const gateway = await create(t)
  const fleet = await offlineFleet(t, gateway, WRITERS, EACH)
  const keys = fleet.keys.map((k) => decodeKey(k))

  // A device following the gateway's view, which holds the writers' admissions but none of their blocks.
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const tracker = new WriterTracker(store, viewOf(gateway), randomBytes(32), () => {}, () => {})
  t.teardown(() => tracker.close())
  tracker.fetchLogs(true)
  await tracker.refresh()
  for (const key of keys) t.absent(await store.storage.hasCore(crypto.discoveryKey(key)), 'no copy stored of a log the view holds nothing of')
  const listed = tracker.progress().filter((w) => fleet.keys.includes(w.key))
  t.is(listed.length, WRITERS, 'each writer still listed')
  t.ok(listed.every((w) => w.length === 0 && w.lag === 0), 'at length 0')

  await mergeFleet(t, gateway, fleet, EACH)
  t.teardown(replicate(gateway, store))
  await tracker.refresh()
  for (const key of keys) {
    const log = tracker.core(key)
    t.ok(log !== null && await store.storage.hasCore(crypto.discoveryKey(key)), 'opened once the view holds its blocks')
    await log?.get(EACH - 1) // fetched by the tracker's download; a missing block waits for it
  }
  t.ok(keys.every((key) => tracker.core(key)?.length === EACH), 'every log whole')
})

test('member logs: a writer\'s log already stored here is opened at once', async (t) => {
  const gateway = await create(t)
  const fleet = await offlineFleet(t, gateway, 2, EACH)
  const [stored, absent] = fleet.keys.map((k) => decodeKey(k))

  // Stored by another session (as Autobase stores the writers it opens): one more adds no copy.
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const other = store.get({ key: stored, active: false })
  await other.ready()
  await other.close()
  const tracker = new WriterTracker(store, viewOf(gateway), randomBytes(32), () => {}, () => {})
  t.teardown(() => tracker.close())
  await tracker.refresh()
  t.ok(tracker.core(stored) !== null, 'the stored log is opened before the view holds a block of it')
  t.is(tracker.core(absent), null, 'the other one is not')
})
