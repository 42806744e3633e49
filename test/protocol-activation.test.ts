/**
 * Protocol upgrades are the ledger's decision: indexers activate a protocol with `ledger.protocol`.
 * A block stamped above the active protocol is rejected (PROTOCOL_NOT_ACTIVE), the same on every
 * peer; only an activation of a protocol this code does not know stops the device.
 */
import { once } from 'node:events'
import test from 'brittle'
import { PROTOCOL_VERSION, type Ledger, type MeshledgerError } from '../src/index.js'
import { create, fails, group, replicate, tmp, until } from './helpers/index.js'
import { appendOps, appendRaw } from './helpers/internals.js'

type T = test.Test

/** Resolves with the ledger's `upgrade-required` error, or null if none comes within `ms`. */
async function upgradeWithin (ledger: Ledger, ms: number): Promise<MeshledgerError | null> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), ms) })
  try {
    return await Promise.race([(once(ledger, 'upgrade-required') as Promise<[MeshledgerError]>).then(([err]) => err), timeout])
  } finally {
    clearTimeout(timer)
  }
}

async function seen (ledgers: Ledger[], id: string): Promise<void> {
  await until(ledgers, async () => (await Promise.all(ledgers.map(async (l) => (await l.get(id)) !== null))).every(Boolean))
}

async function reopen (t: T, ledger: Ledger, storage: string): Promise<Ledger> {
  await ledger.close()
  return create(t, { storage, protocol: 4 })
}

test('a block stamped above the active protocol is rejected everywhere; the writer can still be thrown out', async (t) => {
  const storage = await tmp(t)
  const a = await create(t, { storage, protocol: 4 })
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const links = [replicate(a, b), replicate(a, c)]
  await a.addMember(b.deviceKey, { role: 'writer' })
  await a.addMember(c.deviceKey, { role: 'writer' })
  await until([a, b, c], () => b.writable && c.writable)
  let upgrades = 0
  for (const l of [a, b, c]) l.on('upgrade-required', () => { upgrades++ })

  const seq = await appendRaw(b, Buffer.from(JSON.stringify({ p: 99, o: [{ t: 'teleport', s: 1, d: {} }] })))
  const id = `${b.deviceKey}.${seq}.0`
  const after = await c.append({ type: 'note', data: 'after the p=99 block' })
  await seen([a, b, c], id)
  await seen([a, b, c], after.id)
  for (const l of [a, b, c]) {
    const e = await l.get(id)
    t.is(e?.status, 'rejected', 'rejected, not a stop')
    t.is(e?.rejection?.code, 'PROTOCOL_NOT_ACTIVE')
    t.is(e?.version, 99, 'the block\'s protocol is kept for review')
  }
  t.is(upgrades, 0, 'no device asked for an upgrade: there is none')
  t.ok((await a.append({ type: 'note', data: 'appends keep working' })).id)
  t.ok((await b.append({ type: 'note', data: 'the writer too' })).id)

  const q = await a.quarantine(b.deviceKey, { reason: 'wrote a block of no protocol' })
  t.is(q.status === 'rejected', false, 'quarantine works')
  const r = await a.removeMember(b.deviceKey)
  t.is(r.status === 'rejected', false, 'removal works')
  await until([b], () => !b.writable)
  t.is(await a.hash() !== '', true)
  await until([a, c], async () => (await a.hash()) === (await c.hash()) && a.length === c.length)
  t.pass('the peers agree')

  for (const cut of links) cut()
  const a2 = await reopen(t, a, storage)
  t.is((await a2.get(id))?.rejection?.code, 'PROTOCOL_NOT_ACTIVE', 'still rejected after a restart')
  t.ok((await a2.append({ type: 'note', data: 'after the restart' })).id, 'appends work after a restart')
  await fails(t, a2.removeMember(b.deviceKey), 'UNKNOWN_MEMBER', 'removed already (not LEDGER_CLOSED)')
})

test('an activation of a protocol this code does not know stops the device once applied, across restarts', async (t) => {
  const storage = await tmp(t)
  const a = await create(t, { storage, protocol: 4 })
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  replicate(a, b)
  await a.addMember(b.deviceKey, { role: 'writer' })
  await until([b], () => b.writable)

  // Before the ledger activates 5, a block stamped 5 is rejected (protocol 5 now exists: still refused until activated): old and new code agree on that.
  const early = await appendRaw(b, Buffer.from(JSON.stringify({ p: 5, o: [{ t: 'note', s: 1, d: 'too early' }] })))
  await seen([a, b], `${b.deviceKey}.${early}.0`)
  t.is((await a.get(`${b.deviceKey}.${early}.0`))?.rejection?.code, 'PROTOCOL_NOT_ACTIVE')
  t.is(await upgradeWithin(a, 300), null, 'a block above the active protocol asks for no upgrade')

  // A writer cannot activate.
  const denied = await appendOps(b, [{ t: 'ledger.protocol', d: { version: PROTOCOL_VERSION + 1 } }])
  await seen([a, b], `${b.deviceKey}.${denied}.0`)
  t.is((await a.get(`${b.deviceKey}.${denied}.0`))?.rejection?.code, 'NOT_AUTHORISED')
  t.ok(a.writable, 'a writer\'s activation stops no one')

  // What an indexer running newer code writes: an activation stamped 4 (the op's protocol).
  const stopA = upgradeWithin(a, 10_000)
  const stopB = upgradeWithin(b, 10_000)
  const seq = await appendOps(a, [{ t: 'ledger.protocol', d: { version: PROTOCOL_VERSION + 1 } }])
  const activation = `${a.deviceKey}.${seq}.0`
  const [errA, errB] = await Promise.all([stopA, stopB])
  t.is(errA?.code, 'UPGRADE_REQUIRED', 'the indexer stops')
  t.is(errB?.code, 'UPGRADE_REQUIRED', 'so does the writer')
  for (const l of [a, b]) {
    const e = await l.get(activation)
    t.ok(e !== null && e.status !== 'rejected', 'the activation was applied before the device stopped')
    t.is(e?.version, 4, 'stamped with the protocol that introduced the op')
  }
  t.is(a.writable, false)
  await fails(t, a.append({ type: 'note' }), 'UPGRADE_REQUIRED', 'appends refused')
  await fails(t, b.append({ type: 'note' }), 'UPGRADE_REQUIRED', 'appends refused on the writer too')

  const a2 = await reopen(t, a, storage)
  await fails(t, a2.append({ type: 'note' }), 'UPGRADE_REQUIRED', 'still stopped after a restart')
  t.is(a2.writable, false)
  t.ok((await a2.get(activation)) !== null, 'reads still work')
})

test('a new ledger activates the newest protocol in its genesis block, or the one asked for', async (t) => {
  const [a] = await group(t, [])
  const active = await a.protocol()
  t.is(active.active, PROTOCOL_VERSION, 'the newest this code knows')
  t.is(active.activatedBy, a.deviceKey)
  const genesis = await a.get(active.activatedAt as string)
  t.is(genesis?.seq, 0, 'in the genesis block')
  t.is(genesis?.offset, 1, 'after the creator\'s member.add')
  const [old] = await group(t, [], { protocol: 4 })
  t.alike(await old.protocol(), { active: 4, known: PROTOCOL_VERSION }, 'protocol 4: no activation, the baseline')
  await t.exception(create(t, { protocol: PROTOCOL_VERSION + 1 }), /INVALID_ENTRY/, 'a protocol this code does not know')
  await t.exception(create(t, { protocol: 3 }), /INVALID_ENTRY/, 'below the baseline')
})

test('activateProtocol: indexers only, upwards only, and only to a protocol this code knows', async (t) => {
  const [a, b] = await group(t, ['writer'], { protocol: 4 })
  t.alike(await a.protocol(), { active: 4, known: PROTOCOL_VERSION }, 'a ledger that never activated one runs the baseline, 4')
  await fails(t, a.activateProtocol(PROTOCOL_VERSION + 1), 'UPGRADE_REQUIRED', 'upgrade this device first')
  await fails(t, a.activateProtocol(4), 'INVALID_ENTRY', 'active already')
  await fails(t, a.activateProtocol(1.5), 'INVALID_ENTRY', 'an integer')
  await fails(t, b.activateProtocol(PROTOCOL_VERSION), 'NOT_AUTHORISED', 'a writer')
  t.ok(a.writable && b.writable, 'nothing stopped')
})

test('blocks of protocols 1, 2 and 3 still apply as they did', async (t) => {
  const [a] = await group(t, [])
  const blocks = [
    { p: 1, o: [{ t: 'note', s: 1, d: 'p1' }] },
    { p: 1, o: [{ t: 'transfer', s: 1, d: { to: 'x', amount: 1 } }] },
    { p: 2, o: [{ t: 'telemetry.record', s: 1, d: { stream: 's', value: 1 } }] },
    { p: 2, o: [{ t: 'fork.evidence', s: 1, d: { any: 'thing' } }] },
    { p: 3, o: [{ t: 'note', s: 1, d: 'p3' }] }
  ]
  const ids: string[] = []
  for (const block of blocks) ids.push(`${a.deviceKey}.${await appendRaw(a, Buffer.from(JSON.stringify(block)))}.0`)
  const entries = await Promise.all(ids.map((id) => a.get(id)))
  t.alike(entries.map((e) => e?.status === 'rejected' ? e.rejection?.code : e?.version), [1, 1, 2, 2, 3])
  t.is((await a.balance('x')), 0, 'transfer in a protocol-1 block is a plain entry')
  t.is((await a.get(ids[1]))?.type, 'transfer')
})
