/**
 * Vehicle history: a maker registers a vehicle and sells it; a mechanic records maintenance; only
 * certified inspectors may record inspections. A failed inspection grounds the vehicle (a rule),
 * a passed one puts it back in service (another rule). Every step is in the vehicle's provenance
 * chain, signed by the device that wrote it.
 *
 *   npm run example:vehicle-history
 */
import { isMeshledgerError, type AssetHistoryStep } from '../src/index.js'
import { World, admit, synced } from './support.js'

const VIN = 'VIN-1HGCM82633A004352'

await World.run(run)

async function run (world: World): Promise<void> {
  const maker = await world.device('maker')
  const owner = await world.device('owner', { key: maker.key, encryptionKey: maker.encryptionKey })
  const mechanic = await world.device('mechanic', { key: maker.key, encryptionKey: maker.encryptionKey })
  const inspector = await world.device('inspector', { key: maker.key, encryptionKey: maker.encryptionKey })
  const all = [maker, owner, mechanic, inspector]
  for (const d of [owner, mechanic, inspector]) await admit(maker, d)
  await maker.append({ type: 'member.grant', data: { key: inspector.deviceKey, capability: 'inspector' } })
  await maker.append({ type: 'asset.policy', data: { kind: 'inspection', role: 'inspector' } })
  console.log('maker created the ledger, admitted an owner, a mechanic and an inspector,')
  console.log('  granted the inspector the "inspector" capability and made inspections inspector-only')

  await maker.addRule({
    id: 'ground-on-fail',
    when: { type: 'asset.event', kind: 'inspection', where: { field: 'data.result', op: 'eq', value: 'fail' } },
    then: [{ do: 'asset.status', status: 'grounded' }, { do: 'alert', message: 'vehicle failed inspection: grounded', level: 'warning' }]
  })
  await maker.addRule({
    id: 'unground-on-pass',
    when: { type: 'asset.event', kind: 'inspection', where: { field: 'data.result', op: 'eq', value: 'pass' } },
    then: [{ do: 'asset.status', status: 'active' }]
  })
  console.log('maker added rules: a failed inspection grounds the vehicle, a passed one makes it active again')

  await maker.append({ type: 'asset.register', data: { id: VIN, kind: 'vehicle', attributes: { make: 'Honda', model: 'Accord', year: 2024 } } })
  await maker.append({ type: 'asset.transfer', data: { id: VIN, to: owner.deviceKey } })
  console.log(`maker registered ${VIN} and sold it to the owner`)

  await synced(...all)
  await mechanic.append({ type: 'asset.event', data: { id: VIN, kind: 'maintenance', data: { work: 'oil and filter change', km: 15000 } } })
  console.log('mechanic recorded maintenance: oil and filter change at 15 000 km')
  try {
    await mechanic.append({ type: 'asset.event', data: { id: VIN, kind: 'inspection', data: { result: 'pass' } } })
    console.log('mechanic recorded an inspection?! (the policy should have refused it)')
  } catch (err) {
    if (!isMeshledgerError(err)) throw err
    console.log(`mechanic tried to record an inspection: refused, ${err.message}`)
  }

  await synced(...all)
  const failed = await inspector.append({ type: 'asset.event', data: { id: VIN, kind: 'inspection', data: { result: 'fail', defects: ['brake pads worn'] } } })
  console.log(`inspector recorded a failed inspection (brake pads worn); vehicle status: ${(await inspector.asset(VIN))?.status ?? '?'}`)
  await synced(...all)
  await mechanic.append({ type: 'asset.event', data: { id: VIN, kind: 'maintenance', data: { work: 'brake pads replaced', km: 15120 } } })
  await synced(...all)
  const passed = await inspector.append({ type: 'asset.event', data: { id: VIN, kind: 'inspection', data: { result: 'pass' } } })
  console.log(`mechanic replaced the brake pads; inspector passed it; vehicle status: ${(await inspector.asset(VIN))?.status ?? '?'}`)

  await owner.confirmed(passed.id, { timeout: 10_000 })
  await synced(...all)
  for (const [what, e] of [['failed', failed], ['passed', passed]] as const) {
    console.log(`the maker sees the ${what} inspection's rule effects: ${(await maker.effects(e.id)).map((x) => `${x.rule}/${x.action} ${x.ok ? 'ok' : 'failed'}`).join(', ')}`)
  }
  console.log(`\nthe owner's view of ${VIN}'s whole history:`)
  for (const step of await owner.assetHistory(VIN)) console.log(`  ${describe(world, step)}`)
  for await (const a of owner.alerts()) console.log(`alert [${a.level}] ${a.message} (rule ${a.rule}, asset ${a.asset ?? '-'})`)
}

/** One provenance step in a sentence. */
function describe (world: World, s: AssetHistoryStep): string {
  const by = s.rule === undefined ? `by ${world.name(s.writer)}` : `by rule ${s.rule}`
  const what = s.op === 'register'
    ? `registered as a ${s.kind ?? '?'} ${JSON.stringify(s.data)}`
    : s.op === 'transfer'
      ? `transferred from ${world.name(s.from)} to ${world.name(s.to)}`
      : s.op === 'event'
        ? `${s.kind ?? '?'} ${JSON.stringify(s.data)}`
        : s.op === 'status'
          ? `status set to ${s.assetStatus ?? '?'}`
          : `flagged: ${s.reason ?? '?'}`
  return `#${s.n} ${what}, ${by} (${s.status})`
}
