/**
 * A member removed while it was offline: what it wrote meanwhile never reaches any view (Autobase
 * does not hand a removed writer's later blocks to apply), yet every peer must say the same of
 * it: rejected with NOT_A_MEMBER, final once the removal is, never pending for ever.
 */
import test from 'brittle'
import type { Entry, Ledger } from '../src/index.js'
import { create, fails, replicate, until } from './helpers/index.js'

test('entries of a member removed while offline end rejected NOT_A_MEMBER on every peer', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const c = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const cutB = replicate(a, b)
  replicate(a, c)
  await a.addMember(b.deviceKey, { role: 'writer' })
  await a.addMember(c.deviceKey, { role: 'writer' })
  await until([a, b, c], () => b.writable && c.writable)
  const before = await b.append({ type: 'note', data: 'before' })
  await a.confirmed(before.id, { timeout: 10_000 })

  cutB() // b goes offline
  const offline: Entry[] = []
  for (let i = 0; i < 3; i++) offline.push(await b.append({ type: 'note', data: `offline ${i}` }))
  const removal = await a.removeMember(b.deviceKey)
  await c.confirmed(removal.id, { timeout: 10_000 })

  // c asks before b's entries ever reached it: it must hear of them, not wait for ever.
  const waiting = c.confirmed(offline[2].id, { timeout: 20_000 }).then(() => 'confirmed', (err: { code?: string }) => err.code)
  replicate(a, b) // b is back
  t.is(await waiting, 'ENTRY_REJECTED', 'a confirmed() that waited settles once the entry arrives')
  const peers: Ledger[] = [a, b, c]
  const settled = async (l: Ledger): Promise<boolean> => {
    for (const e of offline) {
      const s = await l.status(e.id).catch(() => 'unknown')
      if (s !== 'rejected') return false
    }
    return true
  }
  await until(peers, async () => {
    await Promise.all(peers.map((l) => l.update().catch(() => {})))
    return (await Promise.all(peers.map(settled))).every((ok) => ok)
  })
  for (const l of peers) {
    for (const e of offline) {
      const got = await l.get(e.id)
      t.is(got?.status, 'rejected', `${e.id} rejected`)
      t.is(got?.rejection?.code, 'NOT_A_MEMBER')
      try {
        await l.confirmed(e.id, { timeout: 10_000 })
        t.fail('confirmed() resolved for a rejected entry')
      } catch (err) {
        t.is((err as { code?: string }).code, 'ENTRY_REJECTED', 'confirmed() settles with the rejection')
      }
    }
    t.is((await l.get(before.id))?.status, 'confirmed', 'what it wrote before its removal stays')
  }
  t.is((await b.get(offline[0].id))?.data, 'offline 0', 'the rejected entry keeps its data for review')
  t.is((await c.get(offline[0].id))?.data, 'offline 0', 'on every peer')
  await fails(t, a.proof(offline[0].id), 'NOT_PROVABLE', 'no receipt for a rejected entry')
  for await (const e of a.query({ writer: b.deviceKey })) t.is(e.id, before.id, 'query lists what is in the view only')
  await until(peers, async () => {
    const hashes = await Promise.all(peers.map(async (l) => `${l.length}:${await l.hash()}`))
    return hashes.every((h) => h === hashes[0])
  })
  t.pass('the same view everywhere')
})
