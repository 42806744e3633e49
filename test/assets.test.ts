import test from 'brittle'
import { fails, group, until } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'

test('an asset\'s life: register, events, policy, transfer; the provenance chain records each step', async (t) => {
  const [maker, owner, mechanic, inspector] = await group(t, ['writer', 'writer', 'writer'])
  await maker.append({ type: 'asset.policy', data: { kind: 'inspection', role: 'inspector' } })
  await maker.append({ type: 'member.grant', data: { key: inspector.deviceKey, capability: 'inspector' } })
  const reg = await maker.append({ type: 'asset.register', data: { id: 'VIN-1', kind: 'vehicle', attributes: { model: 'Van' } } })
  await fails(t, maker.append({ type: 'asset.register', data: { id: 'VIN-1', kind: 'vehicle' } }), 'ASSET_EXISTS')
  await until([owner], async () => (await owner.asset('VIN-1')) !== null)
  await fails(t, owner.append({ type: 'asset.transfer', data: { id: 'VIN-1', to: owner.deviceKey } }), 'NOT_OWNER', 'only the owner transfers')
  await maker.append({ type: 'asset.transfer', data: { id: 'VIN-1', to: owner.deviceKey } })
  await until([mechanic, inspector], async () => (await mechanic.asset('VIN-1'))?.owner === owner.deviceKey && (await inspector.roleOf(inspector.deviceKey)) !== null)
  await mechanic.append({ type: 'asset.event', data: { id: 'VIN-1', kind: 'maintenance', data: { km: 10000 } } })
  await fails(t, mechanic.append({ type: 'asset.event', data: { id: 'VIN-1', kind: 'inspection', data: { result: 'pass' } } }), 'NOT_AUTHORISED', 'only an inspector inspects')
  await until([inspector], async () => (await inspector.assetHistory('VIN-1')).length === 3)
  await inspector.append({ type: 'asset.event', data: { id: 'VIN-1', kind: 'inspection', data: { result: 'pass' } } })
  await fails(t, mechanic.append({ type: 'asset.event', data: { id: 'VIN-404', kind: 'maintenance' } }), 'UNKNOWN_ASSET')

  await until([maker], async () => (await maker.assetHistory('VIN-1')).length === 4)
  const history = await maker.assetHistory('VIN-1')
  t.alike(history.map((s) => [s.op, s.kind ?? s.to ?? null]), [['register', 'vehicle'], ['transfer', owner.deviceKey], ['event', 'maintenance'], ['event', 'inspection']])
  t.is(history[0].entry, reg.id)
  t.alike(history.map((s) => s.writer), [maker.deviceKey, maker.deviceKey, mechanic.deviceKey, inspector.deviceKey])
  t.ok(history.every((s) => s.status === 'applied' || s.status === 'confirmed'))

  const byOwner = []
  for await (const a of maker.assets({ owner: owner.deviceKey })) byOwner.push(a.id)
  t.alike(byOwner, ['VIN-1'])
  const byKind = []
  for await (const a of maker.assets({ kind: 'vehicle', status: 'active' })) byKind.push(a.id)
  t.alike(byKind, ['VIN-1'])
  const none = []
  for await (const a of maker.assets({ owner: maker.deviceKey })) none.push(a.id)
  t.alike(none, [])
})

test('bad asset ops are refused locally and rejected identically when forced', async (t) => {
  const [a, b] = await group(t, ['writer'])
  await fails(t, a.append({ type: 'asset.register', data: { id: '', kind: 'vehicle' } }), 'INVALID_ENTRY')
  await fails(t, a.append({ type: 'asset.register', data: { id: 'x', kind: 'vehicle', colour: 'red' } }), 'INVALID_ENTRY', 'unknown fields')
  await fails(t, a.append({ type: 'asset.frobnicate', data: {} }), 'INVALID_ENTRY', 'unknown asset op')
  await fails(t, a.append({ type: 'asset.transfer', data: { id: 'nope', to: b.deviceKey } }), 'UNKNOWN_ASSET')
  await fails(t, b.append({ type: 'asset.policy', data: { kind: 'inspection', role: 'inspector' } }), 'NOT_AUTHORISED')
  const seq = await appendOps(b, [
    { t: 'asset.register', d: { id: 7, kind: 'vehicle' } },
    { t: 'asset.transfer', d: { id: 'nope', to: a.deviceKey } },
    { t: 'asset.policy', d: { kind: 'inspection', role: 'inspector' } }
  ])
  const ids = [0, 1, 2].map((i) => `${b.deviceKey}.${seq}.${i}`)
  await until([a], async () => (await a.get(ids[2])) !== null)
  for (const peer of [a, b]) {
    t.alike(await Promise.all(ids.map(async (id) => (await peer.get(id))?.rejection?.code)), ['INVALID_ENTRY', 'UNKNOWN_ASSET', 'NOT_AUTHORISED'])
  }
  t.is(await a.hash(), await b.hash())
})
