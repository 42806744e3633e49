/**
 * Cold chain: a warehouse registers a shipment and a rule "above 8 °C flags the shipment and
 * raises an alert"; the truck's sensor records temperatures; the retailer, who only reads,
 * sees the breach, the flag and the alert the moment the readings reach it.
 *
 *   npm run example:cold-chain
 */
import type { ReadingData } from '../src/index.js'
import { World, admit, synced } from './support.js'

const STREAM = 'shipment-42/temp'

await World.run(run)

async function run (world: World): Promise<void> {
  const warehouse = await world.device('warehouse')
  const sensor = await world.device('truck-sensor', { key: warehouse.key, encryptionKey: warehouse.encryptionKey })
  const retailer = await world.device('retailer', { key: warehouse.key, encryptionKey: warehouse.encryptionKey })
  await admit(warehouse, sensor)
  console.log(`warehouse created ledger ${warehouse.key.slice(0, 8)}… and admitted the truck's sensor as a writer`)
  console.log('the retailer joined read-only: it replicates and checks everything, but cannot write')

  await warehouse.append({ type: 'asset.register', data: { id: 'shipment-42', kind: 'shipment', attributes: { goods: 'vaccines', pallets: 4, maxTempC: 8 } } })
  await warehouse.addRule({
    id: 'too-warm',
    when: { type: 'telemetry.record', stream: STREAM, where: { field: 'value', op: 'gt', value: 8 } },
    then: [
      { do: 'asset.flag', reason: 'temperature above 8 °C' },
      { do: 'alert', message: 'shipment-42 is above 8 °C', level: 'critical' }
    ]
  })
  console.log('warehouse registered shipment-42 (vaccines, keep at or below 8 °C) and added rule "too-warm" on its temperature stream')

  await synced(warehouse, sensor, retailer)
  let last = ''
  for (const celsius of [4.2, 5.1, 6.5, 9.3, 7.4]) {
    const reading = await sensor.record(STREAM, celsius, { asset: 'shipment-42' })
    last = reading.id
    const effects = await sensor.effects(reading.id)
    console.log(`sensor recorded ${celsius} °C${effects.length > 0 ? ` -> rule ${effects[0].rule}: ${effects.map((e) => `${e.action} ${e.ok ? 'done' : 'failed'}`).join(', ')}` : ''}`)
  }

  // Once the last reading is final on the retailer's device, so is everything before it.
  await retailer.confirmed(last, { timeout: 10_000 })
  await synced(warehouse, sensor, retailer)
  console.log('\nwhat the retailer sees:')
  for await (const r of retailer.readings({ stream: STREAM })) {
    const { value } = r.data as ReadingData
    console.log(`  reading ${String(value)} °C by ${world.name(r.writer)} at ${new Date(r.timestamp).toISOString()} (${await retailer.status(r.id)})`)
  }
  const shipment = await retailer.asset('shipment-42')
  for (const f of shipment?.flags ?? []) console.log(`  flag on shipment-42: "${f.reason}" (rule ${f.rule}, raised by reading ${f.trigger.slice(0, 12)}…)`)
  for await (const a of retailer.alerts()) console.log(`  alert [${a.level}] ${a.message} (rule ${a.rule}, asset ${a.asset ?? '-'})`)
  console.log(`  shipment-42 status: ${shipment?.status ?? '?'}, ${shipment?.flags.length ?? 0} flag(s); the retailer can refuse the delivery with proof of why`)
}
