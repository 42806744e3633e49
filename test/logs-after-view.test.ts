/**
 * Member logs are fetched once the view is local: the view answers every query, and both come
 * from the same peers, so on a fast-forwarded device logs fetched alongside only slowed the view
 * down (a fifth of a fresh device's sync of a 64-writer fleet went to the logs, which nothing reads
 * before the view is here). The logs follow it (audits and proofs need them).
 */
import test from 'brittle'
import { randomBytes } from 'node:crypto'
import Corestore from 'corestore'
import type { Entry, Ledger } from '../src/index.js'
import { WriterTracker } from '../src/replica/writer-tracker.js'
import { group, replicate, tmp, until } from './helpers/index.js'
import { localCore, viewOf } from './helpers/internals.js'

/** Fewer than Hypercore's requests in flight on one stream (48): all go out at once. */
const ENTRIES = 20

interface Internals {
  replica: { base: { store: Corestore } }
}

function internals (ledger: Ledger): Internals['replica']['base'] {
  return (ledger as unknown as Internals).replica.base
}

test('writer tracker: a member log waits for the view to be local, then comes whole', async (t) => {
  const [a, w] = await group(t, ['writer'])
  const written: Entry[] = []
  for (let i = 0; i < ENTRIES; i++) written.push(await w.append({ type: 'reading', data: { i } }))
  await until([a], async () => (await a.get(written[written.length - 1].id)) !== null)
  const key = localCore(w).key
  const length = localCore(w).length

  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  t.teardown(replicate(a, store))
  const tracker = new WriterTracker(store, viewOf(a), randomBytes(32), () => {}, () => {})
  tracker.fetchLogs(false)
  t.teardown(() => tracker.close())
  await tracker.refresh()
  t.ok(tracker.core(key) !== null, 'the writer\'s log is tracked')

  // A barrier: a block of another core, asked for on the same stream once the log's channel is
  // open, so after any request the tracker made for the log (the peer answers in order).
  const log = store.get({ key, active: false })
  t.teardown(() => log.close())
  await log.get(length - 1)
  const served = internals(a).store.get({ name: 'barrier' })
  t.teardown(() => served.close())
  await served.append(Buffer.from('barrier'))
  const barrier = store.get({ key: served.key })
  t.teardown(() => barrier.close())
  await barrier.get(0)
  let held = 0
  for (let i = 0; i < length; i++) if (await log.has(i)) held++
  t.is(held, 1, 'none of the log is fetched while the view is not local (only the block asked for)')

  tracker.fetchLogs(true)
  await new Promise<void>((resolve) => {
    const check = (): void => {
      if (log.contiguousLength < length) return
      log.off('download', check)
      resolve()
    }
    log.on('download', check)
    check()
  })
  t.pass('the whole log comes once it is')
})
