import test from 'brittle'
import { fails, group, until } from './helpers/index.js'

test('quarantine holds a device\'s new entries for review; release applies them in log order', async (t) => {
  const [a, b] = await group(t, ['writer'])
  const before = await b.append({ type: 'note', data: 'before' })
  await until([a], async () => (await a.get(before.id)) !== null)
  await fails(t, b.quarantine(a.deviceKey), 'NOT_AUTHORISED', 'only indexers quarantine')
  await a.quarantine(b.deviceKey, { reason: 'odd readings' })
  await until([b], async () => (await b.members()).find((m) => m.key === b.deviceKey)?.quarantined !== undefined)

  const held = await b.append({ type: 'reading', data: 1 })
  const held2 = await b.append({ type: 'reading', data: 2 })
  t.is(held.status, 'held', 'the device is told its entry is held')
  await until([a], async () => (await a.get(held2.id)) !== null)
  t.is((await a.get(held.id))?.status, 'held', 'held on other peers too')
  t.alike((await a.get(held.id))?.data, 1, 'kept for review')
  const visible = []
  for await (const e of a.query({ type: 'reading' })) visible.push(e.id)
  t.alike(visible, [], 'not applied: no index shows it')
  t.is((await a.get(before.id))?.status === 'applied' || (await a.get(before.id))?.status === 'confirmed', true, 'earlier entries stay')

  await a.release(b.deviceKey)
  await until([a, b], async () => (await a.get(held.id))?.status !== 'held' && (await b.get(held2.id))?.status !== 'held')
  const after = []
  for await (const e of a.query({ type: 'reading' })) after.push(e.data)
  t.alike(after, [1, 2], 'released entries applied, in log order')
  t.is(await a.hash(), await b.hash())
})
