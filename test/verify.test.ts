/**
 * `ledger.verify()`: a healthy ledger passes; stored data changed on disk is found and named
 * (a writer's block, a writer's block with its tree rewritten to match, a block the storage lost,
 * a view block), a log found damaged is no longer served to peers, across restarts, and closing
 * the ledger ends a running audit cleanly.
 */
import { once } from 'node:events'
import { readdir } from 'node:fs/promises'
import test from 'brittle'
import type { Test as BrittleTest } from 'brittle'
import Corestore from 'corestore'
import { decodeKey, Ledger, type DeviceKey, type Entry, type VerifyReport } from '../src/index.js'
import { create, fails, replicate, tmp, until } from './helpers/index.js'
import { appendOps, derivedUploads, viewBlockOf, viewKey, viewOf } from './helpers/internals.js'
import { blockKey } from '../src/protocol/view-layout.js'
import { tamper, type Tampering } from './helpers/tamper.js'

type T = BrittleTest

/** The creator (in `storage`) and two writers, replicated in memory; each writes `n` notes. */
async function fleet (t: T, storage: string, n = 3): Promise<{ ledgers: Ledger[], entries: Entry[], stop: () => void }> {
  const a = await create(t, { storage })
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const stops = [replicate(a, b), replicate(a, c)]
  await a.addMember(b.deviceKey)
  await a.addMember(c.deviceKey)
  await until([b, c], () => b.writable && c.writable)
  const entries: Entry[] = []
  for (let i = 0; i < n; i++) {
    for (const l of [a, b, c]) entries.push(await l.append({ type: 'note', data: { i } }))
  }
  await until([a], async () => (await Promise.all(entries.map((e) => a.get(e.id)))).every((e) => e !== null))
  return { ledgers: [a, b, c], entries, stop: () => { for (const s of stops) s() } }
}

/** Reopen the ledger in `storage`, offline; closed at teardown. */
async function reopen (t: T, storage: string): Promise<Ledger> {
  const ledger = new Ledger({ storage, swarm: false })
  t.teardown(() => ledger.close())
  await ledger.ready()
  return ledger
}

/**
 * A fleet (`n` notes each) whose creator's copy of the second device's log had the block of that
 * device's first or last note tampered with `how` while closed; the creator reopened offline.
 */
async function tampered (t: T, how: Tampering, { n = 2, note = 'last' }: { n?: number, note?: 'first' | 'last' } = {}): Promise<{ ledger: Ledger, storage: string, writer: DeviceKey, other: DeviceKey, seq: number, length: number }> {
  const storage = await tmp(t)
  const { ledgers: [a, b], entries, stop } = await fleet(t, storage, n)
  const notes = entries.filter((e) => e.writer === b.deviceKey)
  const { seq } = note === 'first' ? notes[0] : notes[notes.length - 1]
  const length = a.stats.writers.find((w) => w.key === b.deviceKey)?.length ?? 0
  const ids = { writer: b.deviceKey, other: a.deviceKey }
  stop()
  await a.close()
  await tamper(storage, ids.writer, seq, how)
  return { ledger: await reopen(t, storage), storage, ...ids, seq, length }
}

/** A bare Corestore in a temp folder replicating from `ledger`: a fresh peer, seen at the Hypercore level. */
async function freshPeer (t: T, ledger: Ledger): Promise<Corestore> {
  const store = new Corestore(await tmp(t))
  const stop = replicate(ledger, store)
  t.teardown(async () => {
    stop()
    await store.close()
  })
  return store
}

/**
 * What a fresh peer gets from `ledger` of a healthy log and of a refused one: the healthy log
 * whole, the refused one's signed length and no block (its blocks are not even advertised).
 */
async function served (t: T, ledger: Ledger, healthy: string, refused: string, length: number): Promise<void> {
  const store = await freshPeer(t, ledger)
  const good = store.get({ key: decodeKey(healthy) })
  const bad = store.get({ key: decodeKey(refused) })
  await Promise.all([good.ready(), bad.ready()])
  bad.download({ start: 0, end: length })
  await good.update({ wait: true })
  await good.download({ start: 0, end: good.length }).done()
  await bad.update({ wait: true })
  t.ok(good.length > 0 && good.contiguousLength === good.length, `the healthy log is served whole (${good.length} blocks)`)
  t.is(bad.length, length, 'the refused log\'s signed length still comes')
  t.is(bad.contiguousLength, 0, 'no block of the refused log')
  t.is(bad.peers[0]?.remoteContiguousLength, 0, 'the device does not advertise its blocks')
}

test('a healthy ledger passes: every log, the rebuilt view, per-writer counts', async (t) => {
  const { ledgers: [a, b, c] } = await fleet(t, await tmp(t))
  const forced = await appendOps(b, [{ t: 'member.add', s: 7, d: { key: c.deviceKey, role: 'indexer' } }, { t: 'note', s: 5 }])
  await until([a], async () => (await a.get(`${b.deviceKey}.${forced}.1`)) !== null)
  const uploads = await derivedUploads(a)
  const report = await a.verify()
  t.is(uploads.count(), 0, 'the rebuild took no view or system block from the device: it applied the logs')
  await uploads.close()
  t.ok(report.ok, 'ok')
  t.alike(report.problems, [])
  t.is(report.rebuiltHash, report.viewHash, 'the view rebuilt from the logs has the live view\'s hash')
  t.is(report.viewHash, await a.hash())
  t.alike(report.writers.map((w) => w.key).sort(), [a.deviceKey, b.deviceKey, c.deviceKey].sort(), 'every member\'s log')
  for (const w of report.writers) {
    t.ok(w.ok && w.length > 0 && w.stored === w.length, `${w.role ?? '-'} ${w.key.slice(0, 8)}: ${w.stored} of ${w.length} blocks checked`)
  }
  const wb = report.writers.find((w) => w.key === b.deviceKey)
  t.is(wb?.role, 'writer')
  t.is(wb?.entries, 5, 'three notes and the forced block\'s two ops')
  t.is(wb?.rejected, 1)
  t.alike(wb?.rejections, { NOT_AUTHORISED: 1 }, 'the rejection and why')
  t.is(wb?.first, 5, 'first by device time (the forced ops claimed 7 and 5)')
  t.ok((wb?.last ?? 0) > 5)
  const wa = report.writers.find((w) => w.key === a.deviceKey)
  t.is(wa?.role, 'indexer')
  t.is(wa?.rejected, 0)
})

test('a wall clock stepped forward (NTP on a device that booted offline) does not make verify report a stall', async (t) => {
  const { ledgers: [a] } = await fleet(t, await tmp(t))
  const now = Date.now
  let reads = 0
  Date.now = () => now() + 3_600_000 * reads++ // each read an hour later: every wall-clock deadline has passed
  const report = await a.verify({ stallTimeout: 2000 }).finally(() => { Date.now = now })
  t.ok(reads > 0, 'the audit read the wall clock')
  t.alike(report.problems, [], 'no problem')
  t.ok(report.ok, 'ok')
})

test('a writer block changed on disk: verify names the log, and the device stops serving it', async (t) => {
  // The last note's block: the blocks before it are sound, so a peer could take those.
  const { ledger: damaged, storage, writer, other, seq, length } = await tampered(t, 'flip', { n: 3 })

  // Peers check every block they receive: the changed one is never accepted.
  const peer = (await freshPeer(t, damaged)).get({ key: decodeKey(writer) })
  await peer.ready()
  const rejected = once(peer, 'verification-error') as Promise<[Error & { code: string }, unknown, { block: { index: number } }]>
  peer.download({ start: seq, end: seq + 1 })
  const [err, , data] = await rejected
  t.is(data.block.index, seq, `a fresh peer rejected block ${seq} (${err.code})`)
  t.absent(await peer.has(seq), 'and does not hold it')

  const report = await damaged.verify()
  t.absent(report.ok, 'verify fails')
  t.is(report.problems.length, 1)
  t.is(report.problems[0].code, 'LOG_DAMAGED', report.problems[0].message)
  t.is(report.problems[0].writer, writer, 'it names the damaged log')
  t.is(report.problems[0].block, seq, 'and the block')
  t.is(report.rebuiltHash, null, 'no rebuild over a damaged log')
  for (const w of report.writers) t.is(w.ok, w.key !== writer, `${w.key.slice(0, 8)} ${w.ok ? 'ok' : 'damaged'}`)

  await served(t, damaged, other, writer, length)

  await damaged.close()
  const restarted = await reopen(t, storage)
  const again = await restarted.verify()
  t.is(again.problems[0]?.code, 'LOG_DAMAGED', 'still named after a restart')
  t.ok(again.problems[0]?.message.includes('no longer serves'), again.problems[0]?.message)
  await served(t, restarted, other, writer, length)
})

test('a block rewritten with a matching Merkle tree fails the writer\'s signature', async (t) => {
  const { ledger, writer } = await tampered(t, 'forge')
  const report = await ledger.verify()
  t.is(report.problems[0]?.code, 'LOG_DAMAGED')
  t.is(report.problems[0]?.writer, writer)
  t.ok(report.problems[0]?.message.includes('INVALID_SIGNATURE'), report.problems[0]?.message)
})

test('a block the storage lost (still marked present) makes the log unreadable', async (t) => {
  // Not the log's last block: autobase reads that one at open, and fails without it.
  const { ledger, writer, seq } = await tampered(t, 'drop', { note: 'first' })
  const report = await ledger.verify({ stallTimeout: 2000 })
  t.is(report.problems[0]?.code, 'LOG_UNREADABLE', report.problems[0]?.message)
  t.is(report.problems[0]?.writer, writer)
  t.is(report.problems[0]?.block, seq)
})

test('a view block changed on disk differs from the view rebuilt from the logs', async (t) => {
  const storage = await tmp(t)
  const { ledgers: [a], entries, stop } = await fleet(t, storage, 2)
  const view = viewKey(a)
  // The view block holding a note's record, `{"o":[{...,"d":{"i":0}}]}` (and `,"a":7` from
  // protocol 7 on): its value comes last, so the 0 is as far from the block's end as from the
  // record's, and the flipped bit makes it a 1. Nothing reads that record at open (a changed
  // member record would stop the ledger opening).
  const note = entries[0]
  t.alike(note.data, { i: 0 })
  const block = await viewBlockOf(a, note)
  const record = (await viewOf(a).get(blockKey(decodeKey(note.writer), note.seq)))?.value.toString() ?? ''
  const zero = record.lastIndexOf('"i":0') + 4 - record.length
  const hash = await a.hash()
  stop()
  await a.close()
  await tamper(storage, view, block, 'flip', zero)
  const ledger = await reopen(t, storage)
  t.alike((await ledger.get(note.id))?.data, { i: 1 }, 'the view now says something its writer never wrote')
  const report: VerifyReport = await ledger.verify()
  t.is(report.viewHash, hash, 'the tree hash cannot see it')
  t.is(report.problems.length, 1)
  t.is(report.problems[0]?.code, 'VIEW_MISMATCH', report.problems[0]?.message)
  t.is(report.problems[0]?.block, block)
  t.ok(report.problems[0]?.message.includes('rebuilt'), 'found by comparing with the rebuilt view')
  t.ok(report.writers.every((w) => w.ok), 'every log is sound')
})

test('closing the ledger ends a running verify with LEDGER_CLOSED and removes its scratch folder', async (t) => {
  const { ledgers: [a] } = await fleet(t, await tmp(t), 1)
  const scratch = await tmp(t)
  const ended = fails(t, a.verify({ tmpdir: scratch }), 'LEDGER_CLOSED')
  await a.close()
  await ended
  t.alike(await readdir(scratch), [], 'nothing left behind')
})
