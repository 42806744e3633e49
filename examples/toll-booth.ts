/**
 * Toll booth: an operator funds a fleet account held by two vehicles; a rule charges the fleet
 * whenever a booth records a vehicle passing; a car pays a booth from its own account. Then the
 * two vehicles lose touch with each other and both spend the fleet's last money: each payment
 * succeeds on its own device, and once the logs merge exactly one stands, on every device.
 *
 *   npm run example:toll-booth
 */
import { isMeshledgerError, type Entry, type Ledger } from '../src/index.js'
import { World, admit, link, synced, waitFor } from './support.js'

await World.run(run)

async function run (world: World): Promise<void> {
  // The operator and the booth are on the (local) DHT; the cars reach the mesh over their own
  // links, car-1 through the operator's depot, car-2 through the booth.
  const operator = await world.device('operator')
  const booth = await world.device('booth', { key: operator.key, encryptionKey: operator.encryptionKey })
  const car1 = await world.device('car-1', { key: operator.key, encryptionKey: operator.encryptionKey, swarm: false })
  const car2 = await world.device('car-2', { key: operator.key, encryptionKey: operator.encryptionKey, swarm: false })
  let links = [link(operator, car1), link(booth, car2)]
  const all = [operator, booth, car1, car2]
  for (const d of [booth, car1, car2]) await admit(operator, d)
  console.log(`operator created ledger ${operator.key.slice(0, 8)}… and admitted the booth and two cars`)

  await operator.append({ type: 'account.open', data: { account: 'fleet-1', holders: [car1.deviceKey, car2.deviceKey] } })
  await operator.mint('fleet-1', 20, { memo: 'fleet budget' })
  await operator.mint(car1.deviceKey, 10, { memo: 'driver allowance' })
  await operator.addRule({ id: 'toll', when: { type: 'asset.event', kind: 'toll' }, then: [{ do: 'transfer', from: 'fleet-1', to: '$writer', amount: 3, memo: 'toll' }] })
  console.log('operator opened shared account fleet-1 (holders: car-1, car-2), minted 20 into it and 10 to car-1,')
  console.log('  and added rule "toll": every toll event charges fleet-1 3 and pays the booth that recorded it')

  await synced(...all)
  await car1.append({ type: 'account.authorise', data: { rule: 'toll', account: 'fleet-1', max: 5 } })
  await car1.append({ type: 'asset.register', data: { id: 'car-1', kind: 'vehicle', attributes: { plate: 'KL-101' } } })
  await car2.append({ type: 'asset.register', data: { id: 'car-2', kind: 'vehicle', attributes: { plate: 'KL-202' } } })
  console.log('car-1 authorised rule "toll" to charge fleet-1 up to 5 a time; both cars registered themselves as assets')

  await synced(...all)
  for (const car of ['car-1', 'car-2']) {
    const pass = await booth.append({ type: 'asset.event', data: { id: car, kind: 'toll', data: { booth: 'A7 north' } } })
    const effects = await booth.effects(pass.id)
    console.log(`booth recorded ${car} passing; the rules did: ${effects.map((e) => `${e.rule}/${e.action} ${e.ok ? 'ok' : `failed (${e.reason ?? ''})`}`).join(', ')}`)
  }
  await car1.transfer({ to: booth.deviceKey, amount: 4, memo: 'parking' })
  console.log('car-1 paid the booth 4 for parking from its own account')
  await synced(...all)
  console.log(`balances: fleet-1 ${await operator.balance('fleet-1')}, car-1 ${await operator.balance(car1.deviceKey)}, booth ${await operator.balance(booth.deviceKey)}`)

  console.log('\n-- the cars lose their links: car-1 and car-2 cannot see each other --')
  for (const l of links) l.cut()
  const pay1 = await car1.transfer({ from: 'fleet-1', to: booth.deviceKey, amount: 10, memo: 'fuel at booth' })
  const pay2 = await car2.transfer({ from: 'fleet-1', to: booth.deviceKey, amount: 10, memo: 'fuel at booth' })
  console.log(`car-1 paid 10 from fleet-1: appended (${pay1.status}); car-1 now sees fleet-1 at ${await car1.balance('fleet-1')}`)
  console.log(`car-2 paid 10 from fleet-1: appended (${pay2.status}); car-2 now sees fleet-1 at ${await car2.balance('fleet-1')}`)
  console.log('both local checks passed: each car saw 14 in fleet-1 and knew nothing of the other payment')

  console.log('\n-- the links come back; the logs merge --')
  links = [link(operator, car1), link(booth, car2)]
  const seen = async (l: Ledger): Promise<boolean> => (await l.get(pay1.id)) !== null && (await l.get(pay2.id)) !== null
  await waitFor('both payments to reach every device', async () => (await Promise.all(all.map(seen))).every(Boolean))
  await synced(...all)
  // Wait until the outcome is final (signed by the indexer) everywhere before reporting it.
  const standing = (await operator.get(pay1.id))?.status === 'rejected' ? pay2.id : pay1.id
  await Promise.all(all.map((l) => l.confirmed(standing, { timeout: 10_000 })))
  const payer = new Map([[pay1.id, 'car-1'], [pay2.id, 'car-2']])
  for (const [i, l] of all.entries()) {
    const [a, b] = [await l.get(pay1.id), await l.get(pay2.id)] as Entry[]
    const stands = [a, b].filter((e) => e.status !== 'rejected')
    const rejected = [a, b].find((e) => e.status === 'rejected')
    const why = rejected?.rejection === undefined ? 'nothing rejected?!' : `${payer.get(rejected.id) ?? '?'}'s was rejected${rejected.rejection.final ? ' for good' : ''}: ${rejected.rejection.code} (${rejected.rejection.reason})`
    console.log(`${world.name(all[i].deviceKey)} sees: ${stands.map((e) => payer.get(e.id)).join(' and ')}'s payment stands (${stands.map((e) => e.status).join(', ')}); ${why}`)
  }
  console.log(`every device agrees: fleet-1 holds ${await operator.balance('fleet-1')}, the booth ${await operator.balance(booth.deviceKey)}; the view hashes are equal`)
  console.log('why: the ledger orders the two concurrent payments the same way on every device, and a payment')
  console.log('that would overdraw at its place in that order is rejected, so money is never spent twice')

  try {
    await car1.transfer({ from: 'fleet-1', to: booth.deviceKey, amount: 10 })
  } catch (err) {
    if (!isMeshledgerError(err)) throw err
    console.log(`\ncar-1 tries to pay 10 from fleet-1 again, now connected: refused before appending (${err.code})`)
  }
  for (const l of links) l.cut()
}
