import test from 'brittle'

import { create, replicate, until, fails, group } from './helpers/index.js'
import { appendOps, appendRaw, forceAppendAfterRemoval } from './helpers/internals.js'

test('the creator is the first indexer; indexers add writers and indexers', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  replicate(a, b)
  replicate(a, c)
  t.alike((await a.members()).map((m) => [m.key, m.role, m.addedBy]), [[a.deviceKey, 'indexer', a.deviceKey]])
  t.is(b.writable, false)
  await fails(t, b.append({ type: 'note' }), 'NOT_WRITABLE', 'a non-member appended')
  const added = await a.addMember(b.deviceKey, { role: 'writer' })
  await a.addMember(c.deviceKey, { role: 'indexer' })
  await until([b, c], async () => b.writable && c.writable && (await b.members()).length === 3)
  const members = await b.members()
  t.is(members.length, 3)
  const mb = members.find((m) => m.key === b.deviceKey)
  t.is(mb?.role, 'writer')
  t.is(mb?.addedBy, a.deviceKey)
  t.is(mb?.addedAt, added.id)
  t.is(await b.roleOf(c.deviceKey), 'indexer')
  await until([c], () => c.isIndexer)
  t.ok(c.isIndexer)
})

test('a writer cannot change membership: refused locally, rejected on every peer if forced', async (t) => {
  const [a, b] = await group(t, ['writer'])
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  replicate(a, c)
  await fails(t, b.addMember(c.deviceKey), 'NOT_AUTHORISED', 'a writer added a member')
  const seq = await appendOps(b, [{ t: 'member.add', d: { key: c.deviceKey, role: 'indexer' } }])
  const id = `${b.deviceKey}.${seq}.0`
  await until([a, c], async () => (await a.get(id)) !== null && (await c.get(id)) !== null)
  for (const peer of [a, b, c]) {
    const e = await peer.get(id)
    t.is(e?.status, 'rejected')
    t.is(e?.rejection?.code, 'NOT_AUTHORISED')
  }
  t.is(await a.roleOf(c.deviceKey), null)
  t.is(c.writable, false)
})

test('malformed blocks from the network are recorded as rejected, never thrown', async (t) => {
  const [a, b] = await group(t, ['writer'])
  const bad = [
    Buffer.from('not json'),
    Buffer.from('{"p":1,"o":[]}'),
    Buffer.from('{"p":1,"o":[{"t":"note","s":-1,"d":1}]}'),
    Buffer.from('[1,2,3]'),
    Buffer.from(JSON.stringify({ p: 1, o: [{ t: 'x', s: 1, d: 'y'.repeat(70000) }] }))
  ]
  const seqs: number[] = []
  for (const block of bad) seqs.push(await appendRaw(b, block))
  const ok = await b.append({ type: 'note', data: 'still fine' })
  await until([a], async () => (await a.get(ok.id)) !== null)
  const codes: string[] = []
  for (const seq of seqs) codes.push((await a.get(`${b.deviceKey}.${seq}.0`))?.rejection?.code ?? 'missing')
  t.alike(codes, ['MALFORMED_BLOCK', 'MALFORMED_BLOCK', 'INVALID_ENTRY', 'MALFORMED_BLOCK', 'ENTRY_TOO_LARGE'])
  t.is((await a.get(ok.id))?.status === 'rejected', false)
  t.is(await a.hash(), await b.hash(), 'both peers recorded the same rejections')
})

test('removal: later appends fail locally and forced ones are never applied', async (t) => {
  const [a, b] = await group(t, ['writer'])
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  replicate(a, c)
  const before = await b.append({ type: 'note', data: 'before removal' })
  await until([a], async () => (await a.get(before.id)) !== null)
  await a.removeMember(b.deviceKey)
  await until([b], () => !b.writable)
  await fails(t, b.append({ type: 'note', data: 'after removal' }), 'NOT_WRITABLE', 'a removed device appended')
  const seq = await forceAppendAfterRemoval(b, [{ t: 'note', d: 'forced' }])
  const forced = `${b.deviceKey}.${seq}.0`
  const marker = await a.append({ type: 'note', data: 'after the forced block' })
  await until([c], async () => (await c.get(marker.id)) !== null)
  await until([a, c], async () => (await a.hash()) === (await c.hash()))
  // The forced block did reach a (the writer's log is fully replicated): it is there, not applied.
  await until([a], async () => { await a.update(); return (a.stats.writers.find((w) => w.key === b.deviceKey)?.length ?? 0) > seq })
  t.pass('the forced block is in b\'s log on a')
  t.is((await a.get(before.id))?.status === 'rejected', false, 'entries before removal stay')
  t.is((await c.get(before.id))?.status === 'rejected', false)
  for (const peer of [a, c]) {
    const e = await peer.get(forced)
    t.ok(e === null || e.status === 'rejected', 'the forced entry is not applied')
  }
  const removed = (await a.members({ all: true })).find((m) => m.key === b.deviceKey)
  t.is(removed?.removedBy, a.deviceKey)
  t.is((await a.members()).some((m) => m.key === b.deviceKey), false)
  await fails(t, a.removeMember(b.deviceKey), 'UNKNOWN_MEMBER', 'removed twice')
})

test('the last indexer cannot be removed or demoted: refused locally, rejected if forced', async (t) => {
  const a = await create(t)
  await fails(t, a.removeMember(a.deviceKey), 'LAST_INDEXER')
  await fails(t, a.addMember(a.deviceKey, { role: 'writer' }), 'LAST_INDEXER')
  const seq = await appendOps(a, [{ t: 'member.remove', d: { key: a.deviceKey } }, { t: 'member.add', d: { key: a.deviceKey, role: 'writer' } }])
  const forced = [await a.get(`${a.deviceKey}.${seq}.0`), await a.get(`${a.deviceKey}.${seq}.1`)]
  t.alike(forced.map((e) => e?.rejection?.code), ['LAST_INDEXER', 'LAST_INDEXER'])
  t.is(await a.roleOf(a.deviceKey), 'indexer')
  t.ok(a.writable)
})

test('two indexers removing each other while apart: one removal stands, the same everywhere', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const links = [replicate(a, b), replicate(a, c)]
  await a.addMember(b.deviceKey, { role: 'indexer' })
  await a.addMember(c.deviceKey, { role: 'indexer' })
  await until([a, b, c], async () => b.isIndexer && c.isIndexer && (await c.members()).length === 3 && (await b.members()).length === 3)
  for (const cut of links) cut() // apart: each sees only itself
  await a.removeMember(c.deviceKey)
  await c.removeMember(a.deviceKey)
  t.is((await a.members()).some((m) => m.key === c.deviceKey), false, 'a removed c, as far as a knows')
  t.is((await c.members()).some((m) => m.key === a.deviceKey), false, 'c removed a, as far as c knows')

  replicate(a, b)
  replicate(b, c)
  await until([a, b, c], async () => {
    await Promise.all([a, b, c].map((l) => l.update().catch(() => {})))
    const hashes = await Promise.all([a, b, c].map((l) => l.hash()))
    const members = await Promise.all([a, b, c].map(async (l) => (await l.members()).map((m) => m.key).sort().join()))
    return hashes.every((h) => h === hashes[0]) && members.every((m) => m === members[0])
  })
  const members = (await b.members()).map((m) => m.key)
  t.ok(members.includes(b.deviceKey))
  t.is(members.includes(a.deviceKey) && members.includes(c.deviceKey), false, 'they did not both survive')
  t.is(!members.includes(a.deviceKey) && !members.includes(c.deviceKey), false, 'the first removal in the ledger order stands; the other is refused (its writer was no longer an indexer)')
})
