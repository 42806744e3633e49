/**
 * The typed write methods for assets and rules: each appends its op, normalises what it takes
 * (keys in hex become z32), and refuses with the op's own codes.
 */
import test from 'brittle'
import b4a from 'b4a'
import { decodeKey } from '../src/keys.js'
import { create, fails, group, until } from './helpers/index.js'

test('registerAsset, transferAsset, assetEvent: the asset\'s provenance, keys normalised', async (t) => {
  const [maker, owner] = await group(t, ['writer'])
  const reg = await maker.registerAsset('VIN-1', 'vehicle', { attributes: { model: 'Van' } })
  t.alike([reg.type, reg.data], ['asset.register', { id: 'VIN-1', kind: 'vehicle', attributes: { model: 'Van' } }])
  await fails(t, maker.registerAsset('VIN-1', 'vehicle'), 'ASSET_EXISTS')
  await fails(t, maker.registerAsset('no spaces', 'vehicle'), 'INVALID_ENTRY')

  const hex = b4a.toString(decodeKey(owner.deviceKey), 'hex')
  const handed = await maker.transferAsset('VIN-1', hex)
  t.alike(handed.data, { id: 'VIN-1', to: owner.deviceKey }, 'a hex key is recorded as z32')
  await fails(t, maker.transferAsset('VIN-1', 'not a key'), 'INVALID_KEY')
  await fails(t, maker.transferAsset('VIN-1', owner.deviceKey), 'NOT_OWNER', 'no longer the owner')

  await until([owner], async () => (await owner.asset('VIN-1'))?.owner === owner.deviceKey)
  const ev = await owner.assetEvent('VIN-1', 'maintenance', { data: { km: 10000 } })
  t.is(ev.type, 'asset.event')
  await owner.assetEvent('VIN-1', 'inspection')
  await fails(t, owner.assetEvent('VIN-404', 'maintenance'), 'UNKNOWN_ASSET')
  const history = await owner.assetHistory('VIN-1')
  t.alike(history.map((s) => [s.op, s.kind ?? s.to ?? null]), [['register', 'vehicle'], ['transfer', owner.deviceKey], ['event', 'maintenance'], ['event', 'inspection']])
})

test('removeRule: the rule stops acting; an unknown rule is UNKNOWN_RULE', async (t) => {
  const a = await create(t)
  await a.addRule({ id: 'noted', when: { type: 'note' }, then: [{ do: 'alert', message: 'noted' }] })
  await a.append({ type: 'note', data: 1 })
  const removed = await a.removeRule('noted')
  t.alike([removed.type, removed.data], ['rule.remove', { id: 'noted' }])
  await a.append({ type: 'note', data: 2 })
  const rules = []
  for await (const r of a.rules()) rules.push(r.id)
  t.alike(rules, [])
  const alerts = []
  for await (const x of a.alerts()) alerts.push(x.message)
  t.alike(alerts, ['noted'], 'only the note before the removal raised an alert')
  await fails(t, a.removeRule('noted'), 'UNKNOWN_RULE')
})
