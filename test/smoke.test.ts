import test from 'brittle'
import { create, replicate, until } from './helpers.js'

test('smoke: two devices in memory', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key })
  t.is(a.mode, 'created')
  t.is(b.mode, 'joined')
  const stop = replicate(a, b)
  t.teardown(stop)
  await a.addMember(b.deviceKey, { role: 'writer' })
  await until([b], () => b.writable)
  const entry = await b.append({ type: 'note', data: { text: 'hello' } })
  t.comment(entry)
  await until([a], async () => (await a.get(entry.id)) !== null)
  const got = await a.get(entry.id)
  t.is(got?.writer, b.deviceKey)
  t.alike(got?.data, { text: 'hello' })
  const q = []
  for await (const e of a.query({ writer: b.deviceKey })) q.push(e)
  t.is(q.length, 1)
  t.comment(await a.status(entry.id))
  t.comment(await a.members())
  const c = await a.confirmed(entry.id)
  t.is(c.status, 'confirmed')
})
