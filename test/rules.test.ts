import test from 'brittle'
import { fails, group, until } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'

async function list<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

test('cold chain: a reading above 8 °C flags its shipment and raises an alert', async (t) => {
  const [shipper, sensor] = await group(t, ['writer'])
  await shipper.append({ type: 'asset.register', data: { id: 'shipment-42', kind: 'shipment' } })
  await shipper.addRule({
    id: 'cold-chain',
    when: { type: 'telemetry.record', stream: 'temp', where: { field: 'value', op: 'gt', value: 8 } },
    then: [{ do: 'asset.flag', reason: 'temperature above 8 °C' }, { do: 'alert', message: 'cold chain breached', level: 'critical' }]
  })
  await until([sensor], async () => (await sensor.asset('shipment-42')) !== null && (await list(sensor.rules())).length === 1)
  const ok = await sensor.record('temp', 6.5, { asset: 'shipment-42' })
  const breach = await sensor.record('temp', 9.1, { asset: 'shipment-42' })
  const humid = await sensor.record('humidity', 99, { asset: 'shipment-42' })
  await fails(t, sensor.record('temp', 1, { asset: 'shipment-404' }), 'UNKNOWN_ASSET')
  await until([shipper], async () => (await shipper.get(breach.id)) !== null && (await shipper.get(humid.id)) !== null)

  const asset = await shipper.asset('shipment-42')
  t.alike(asset?.flags, [{ reason: 'temperature above 8 °C', rule: 'cold-chain', trigger: breach.id }])
  t.alike(await shipper.effects(ok.id), [], 'a reading within range triggers nothing')
  t.alike((await shipper.effects(breach.id)).map((e) => [e.action, e.ok]), [['asset.flag', true], ['alert', true]])
  const alerts = await list(shipper.alerts())
  t.alike(alerts.map((a) => [a.trigger, a.level, a.asset]), [[breach.id, 'critical', 'shipment-42']])
  const readings = await list(shipper.readings({ stream: 'temp' }))
  t.alike(readings.map((r) => (r.data as { value: number }).value), [6.5, 9.1])
  t.is((await list(shipper.readings({ stream: 'humidity' }))).length, 1)
})

test('inspection: a failed one grounds the vehicle, a later pass by an inspector ungrounds it', async (t) => {
  const [maker, inspector, mechanic] = await group(t, ['writer', 'writer'])
  await maker.append({ type: 'asset.policy', data: { kind: 'inspection', role: 'inspector' } })
  await maker.append({ type: 'member.grant', data: { key: inspector.deviceKey, capability: 'inspector' } })
  await maker.append({ type: 'asset.register', data: { id: 'VIN-9', kind: 'vehicle' } })
  const result = (r: string): { field: string, op: 'eq', value: string } => ({ field: 'data.result', op: 'eq', value: r })
  await maker.addRule({ id: 'ground', when: { type: 'asset.event', kind: 'inspection', where: result('fail') }, then: [{ do: 'asset.status', status: 'grounded' }] })
  await maker.addRule({ id: 'unground', when: { type: 'asset.event', kind: 'inspection', where: result('pass') }, then: [{ do: 'asset.status', status: 'active' }] })
  await until([inspector, mechanic], async () => (await list(inspector.rules())).length === 2 && (await mechanic.asset('VIN-9')) !== null && (await inspector.asset('VIN-9')) !== null)
  await inspector.append({ type: 'asset.event', data: { id: 'VIN-9', kind: 'inspection', data: { result: 'fail' } } })
  await until([maker, mechanic], async () => (await maker.asset('VIN-9'))?.status === 'grounded' && (await mechanic.asset('VIN-9'))?.status === 'grounded')
  t.pass('a failed inspection grounds it')
  await fails(t, mechanic.append({ type: 'asset.event', data: { id: 'VIN-9', kind: 'inspection', data: { result: 'pass' } } }), 'NOT_AUTHORISED', 'a mechanic cannot pass an inspection')
  t.is((await maker.asset('VIN-9'))?.status, 'grounded', 'still grounded')
  const grounded = []
  for await (const a of maker.assets({ status: 'grounded' })) grounded.push(a.id)
  t.alike(grounded, ['VIN-9'])
  await inspector.append({ type: 'asset.event', data: { id: 'VIN-9', kind: 'inspection', data: { result: 'pass' } } })
  await until([maker], async () => (await maker.asset('VIN-9'))?.status === 'active')
  const steps = (await maker.assetHistory('VIN-9')).map((s) => s.op === 'status' ? `status:${s.assetStatus ?? ''}:${s.rule ?? ''}` : s.op)
  t.alike(steps, ['register', 'event', 'status:grounded:ground', 'event', 'status:active:unground'])
})

test('toll: a pass charges the vehicle\'s owner automatically, only if pre-authorised', async (t) => {
  const [op, booth, car] = await group(t, ['writer', 'writer'])
  await op.addRule({ id: 'toll', when: { type: 'asset.event', kind: 'toll' }, then: [{ do: 'transfer', from: '$owner', to: '$writer', amount: 3, memo: 'toll' }] })
  await op.mint(car.deviceKey, 10)
  await until([car], async () => (await car.balance(car.deviceKey)) === 10 && (await list(car.rules())).length === 1)
  await car.append({ type: 'asset.register', data: { id: 'car-1', kind: 'vehicle' } })
  await until([booth], async () => (await booth.asset('car-1')) !== null)

  const unpaid = await booth.append({ type: 'asset.event', data: { id: 'car-1', kind: 'toll', data: { booth: 'A1' } } })
  t.alike((await booth.effects(unpaid.id)).map((e) => [e.ok, e.reason?.split(':')[0]]), [[false, 'NOT_AUTHORISED']], 'no authorisation, no charge')

  const auth = await car.append({ type: 'account.authorise', data: { rule: 'toll', max: 5 } })
  await until([booth], async () => (await booth.get(auth.id)) !== null)
  const passes: string[] = []
  for (let i = 0; i < 4; i++) {
    passes.push((await booth.append({ type: 'asset.event', data: { id: 'car-1', kind: 'toll', data: { booth: 'A1', n: i } } })).id)
  }
  await until([car], async () => (await car.get(passes[3])) !== null)
  t.is(await car.balance(car.deviceKey), 1, 'three tolls of 3 paid from 10')
  t.is(await car.balance(booth.deviceKey), 9)
  const last = await car.effects(passes[3])
  t.is(last[0].ok, false)
  t.ok(last[0].reason?.startsWith('INSUFFICIENT_FUNDS'), 'the fourth pass finds no money: recorded, the pass itself stands')
  t.is((await car.get(passes[3]))?.status === 'rejected', false)
  t.is(await car.supply(), 10)
})

test('rules are validated: malformed ones are refused locally and rejected when forced', async (t) => {
  const [a, b] = await group(t, ['writer'])
  const bad = [
    { id: 'r', when: { type: 'x' }, then: [] },
    { id: 'r', when: { type: 'x' }, then: [{ do: 'launch-missiles' }] },
    { id: 'r', when: { type: 'x', where: { field: 'v', op: 'regex', value: '.*' } }, then: [{ do: 'alert', message: 'm' }] },
    { id: 'r', when: { type: 'x', colour: 'red' }, then: [{ do: 'alert', message: 'm' }] },
    { id: 'r', when: { type: 'x' }, then: [{ do: 'transfer', from: '$owner', to: '$writer', amount: 0.5 }] },
    { id: 'r', when: { type: 'x' }, then: [{ do: 'alert', message: 'm' }], code: 'eval("x")' }
  ]
  for (const rule of bad) await fails(t, a.append({ type: 'rule.add', data: rule }), 'INVALID_ENTRY', JSON.stringify(rule).slice(0, 60))
  await a.addRule({ id: 'ok', when: { type: 'note' }, then: [{ do: 'alert', message: 'noted' }] })
  await fails(t, a.addRule({ id: 'ok', when: { type: 'note' }, then: [{ do: 'alert', message: 'again' }] }), 'RULE_EXISTS')
  await fails(t, a.append({ type: 'rule.remove', data: { id: 'nope' } }), 'UNKNOWN_RULE')
  await until([b], async () => (await list(b.rules())).length === 1)
  await fails(t, b.addRule({ id: 'mine', when: { type: 'note' }, then: [{ do: 'alert', message: 'x' }] }), 'NOT_AUTHORISED', 'only indexers add rules')
  const seq = await appendOps(b, [{ t: 'rule.add', d: bad[1] }, { t: 'rule.add', d: { id: 'mine', when: { type: 'note' }, then: [{ do: 'alert', message: 'x' }] } }])
  const ids = [0, 1].map((i) => `${b.deviceKey}.${seq}.${i}`)
  await until([a], async () => (await a.get(ids[1])) !== null)
  t.alike(await Promise.all(ids.map(async (id) => (await a.get(id))?.rejection?.code)), ['INVALID_ENTRY', 'NOT_AUTHORISED'])
  const note = await b.append({ type: 'note', data: 'hello' })
  await until([a], async () => (await a.get(note.id)) !== null)
  t.alike((await list(a.alerts())).map((x) => x.message), ['noted'], 'a rule acts on plain entries too')
  await a.append({ type: 'rule.remove', data: { id: 'ok' } })
  t.is((await list(a.rules())).length, 0)
})

test('a rule marked confirmed acts only once its trigger is final', async (t) => {
  const [op, sensor] = await group(t, ['writer'])
  await op.append({ type: 'asset.register', data: { id: 'tank', kind: 'tank' } })
  await op.addRule({ id: 'final-flag', on: 'confirmed', when: { type: 'telemetry.record', where: { field: 'value', op: 'gte', value: 100 } }, then: [{ do: 'asset.flag', reason: 'overflow' }] })
  await until([sensor], async () => (await list(sensor.rules())).length === 1 && (await sensor.asset('tank')) !== null)
  const reading = await sensor.record('level', 120, { asset: 'tank' })
  const confirmed = await op.confirmed(reading.id, { timeout: 20000 })
  t.is(confirmed.status, 'confirmed')
  await until([op], async () => ((await op.asset('tank'))?.flags.length ?? 0) === 1)
  const flag = (await op.asset('tank'))?.flags[0]
  t.is(flag?.rule, 'final-flag')
  t.is(flag?.trigger, reading.id, 'the effect names the trigger')
  const executed = []
  for await (const e of op.query({ type: 'rule.execute' })) executed.push(e.data)
  t.alike(executed, [{ rule: 'final-flag', trigger: reading.id }], 'it ran through rule.execute, appended once the trigger was final')
})
