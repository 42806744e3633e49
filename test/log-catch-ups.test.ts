/**
 * Member logs are caught up a few at a time. A fresh device that started every member log's
 * download at once asked its peer for up to 48 blocks of each (64 writers: ~3,000 requests), and
 * its own reads waited behind them; now at most LOG_CATCH_UPS logs are being fetched at any moment,
 * and every log still comes whole.
 */
import test from 'brittle'
import { randomBytes } from 'node:crypto'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import { decodeKey } from '../src/keys.js'
import { LOG_CATCH_UPS, WriterTracker } from '../src/replica/writer-tracker.js'
import { create, replicate, tmp } from './helpers/index.js'
import { mergeFleet, offlineFleet } from './helpers/fleet.js'
import { viewOf } from './helpers/internals.js'

/** More logs than slots, each longer than one round of requests (48). */
const WRITERS = 6
const EACH = 60

test('writer tracker: member logs are fetched a few at a time, and all come whole', async (t) => {
  t.ok(WRITERS > LOG_CATCH_UPS, 'more logs than catch-up slots')
  const gateway = await create(t)
  const fleet = await offlineFleet(t, gateway, WRITERS, EACH)
  await mergeFleet(t, gateway, fleet, EACH)

  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  // Sessions of our own on each log, opened first, see every block the tracker's downloads bring.
  const logs: Hypercore[] = fleet.keys.map((k) => store.get({ key: decodeKey(k), active: false }))
  t.teardown(async () => { for (const log of logs) await log.close() })
  await Promise.all(logs.map((log) => log.ready()))
  const fetched = new Map<Hypercore, number>()
  // Counted from the blocks each download brought ('download' is emitted once a block is stored).
  const partial = (): number => logs.filter((log) => { const n = fetched.get(log) ?? 0; return n > 0 && n < EACH }).length
  let most = 0
  const whole = Promise.all(logs.map((log) => new Promise<void>((resolve) => {
    log.on('download', () => {
      fetched.set(log, (fetched.get(log) ?? 0) + 1)
      most = Math.max(most, partial())
      if ((fetched.get(log) ?? 0) >= EACH) resolve()
    })
  })))

  t.teardown(replicate(gateway, store))
  const tracker = new WriterTracker(store, viewOf(gateway), randomBytes(32), () => {}, () => {})
  t.teardown(() => tracker.close())
  tracker.fetchLogs(true)
  await tracker.refresh()
  await whole
  t.pass('every log came whole')
  t.ok(most <= LOG_CATCH_UPS, `at most ${LOG_CATCH_UPS} logs part-fetched at once (saw ${most})`)
})
