import test from 'brittle'
import type { Ledger } from '../src/index.js'
import { create, fails, group, replicate, until } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'

test('mint and transfer: balances move, supply is conserved, no overdraft', async (t) => {
  const [op, car] = await group(t, ['writer'])
  await fails(t, car.mint(car.deviceKey, 10), 'NOT_AUTHORISED', 'a writer cannot mint')
  await op.mint(car.deviceKey, 100)
  await until([car], async () => (await car.balance(car.deviceKey)) === 100)
  const paid = await car.transfer({ to: op.deviceKey, amount: 40, memo: 'toll' })
  t.is(paid.status === 'rejected', false)
  t.is(await car.balance(car.deviceKey), 60)
  t.is(await car.balance(op.deviceKey), 40)
  t.is(await car.supply(), 100)
  await fails(t, car.transfer({ to: op.deviceKey, amount: 61 }), 'INSUFFICIENT_FUNDS')
  await fails(t, car.transfer({ to: op.deviceKey, amount: 1.5 }), 'INVALID_ENTRY', 'no floats')
  await fails(t, car.transfer({ to: op.deviceKey, amount: -5 }), 'INVALID_ENTRY', 'no negative amounts')
  await fails(t, car.transfer({ to: 'nobody', amount: 1 }), 'UNKNOWN_ACCOUNT')
  await fails(t, car.transfer({ from: op.deviceKey, to: car.deviceKey, amount: 1 }), 'NOT_AUTHORISED', 'cannot spend another device\'s money')

  // Forced past the local checks, the ledger itself refuses, the same on every peer.
  const seq = await appendOps(car, [{ t: 'transfer', d: { to: op.deviceKey, amount: 1000 } }, { t: 'mint', d: { to: car.deviceKey, amount: 5 } }])
  const ids = [0, 1].map((i) => `${car.deviceKey}.${seq}.${i}`)
  await until([op], async () => (await op.get(ids[1])) !== null)
  for (const peer of [op, car]) {
    t.alike(await Promise.all(ids.map(async (id) => (await peer.get(id))?.rejection?.code)), ['INSUFFICIENT_FUNDS', 'NOT_AUTHORISED'])
  }
  t.is(await op.balance(car.deviceKey), 60)
  const history = []
  for await (const x of op.transfers({ account: car.deviceKey })) history.push([x.from === null ? 'mint' : x.from === car.deviceKey ? 'out' : 'in', x.amount])
  t.alike(history, [['mint', 100], ['out', 40]])
})

test('shared accounts: holders spend, others cannot; a ref pays once', async (t) => {
  const [op, v1, v2, stranger] = await group(t, ['writer', 'writer', 'writer'])
  await op.append({ type: 'account.open', data: { account: 'fleet-1', holders: [v1.deviceKey, v2.deviceKey] } })
  await fails(t, op.append({ type: 'account.open', data: { account: 'fleet-1', holders: [v1.deviceKey] } }), 'ACCOUNT_EXISTS')
  await fails(t, v1.append({ type: 'account.open', data: { account: 'fleet-2', holders: [v1.deviceKey] } }), 'NOT_AUTHORISED')
  await op.mint('fleet-1', 50)
  await until([v1, v2, stranger], async () => (await v1.balance('fleet-1')) === 50 && (await v2.balance('fleet-1')) === 50 && (await stranger.balance('fleet-1')) === 50)
  await v1.transfer({ from: 'fleet-1', to: op.deviceKey, amount: 10, ref: 'trip-7' })
  await fails(t, v1.transfer({ from: 'fleet-1', to: op.deviceKey, amount: 10, ref: 'trip-7' }), 'DUPLICATE_REF', 'the same ref pays once')
  await fails(t, stranger.transfer({ from: 'fleet-1', to: stranger.deviceKey, amount: 5 }), 'NOT_AUTHORISED')
  await until([v2], async () => (await v2.balance('fleet-1')) === 40)
  await v2.transfer({ from: 'fleet-1', to: op.deviceKey, amount: 15 })
  await until([op], async () => (await op.balance('fleet-1')) === 25)
  t.is(await op.balance(op.deviceKey), 25)
  await op.append({ type: 'account.holders', data: { account: 'fleet-1', holders: [v2.deviceKey] } })
  await until([v1], async () => { try { await v1.transfer({ from: 'fleet-1', to: op.deviceKey, amount: 1 }); return false } catch (err) { return (err as { code?: string }).code === 'NOT_AUTHORISED' } })
  t.pass('a holder taken off the account can no longer spend from it')
})

test('double spend across a partition: exactly one payment stands, on every device', async (t) => {
  const op = await create(t)
  const booth = await create(t, { key: op.key, encryptionKey: op.encryptionKey })
  const v1 = await create(t, { key: op.key, encryptionKey: op.encryptionKey })
  const v2 = await create(t, { key: op.key, encryptionKey: op.encryptionKey })
  const links = [replicate(op, booth), replicate(op, v1), replicate(op, v2)]
  for (const l of [booth, v1, v2]) await op.addMember(l.deviceKey)
  await op.append({ type: 'account.open', data: { account: 'fleet', holders: [v1.deviceKey, v2.deviceKey] } })
  await op.mint('fleet', 10)
  await until([booth, v1, v2], async () => v1.writable && v2.writable && booth.writable && (await v1.balance('fleet')) === 10 && (await v2.balance('fleet')) === 10)

  for (const cut of links) cut() // every device alone: the vehicles are out of reach
  const p1 = await v1.transfer({ from: 'fleet', to: booth.deviceKey, amount: 8, memo: 'v1 toll' })
  const p2 = await v2.transfer({ from: 'fleet', to: booth.deviceKey, amount: 8, memo: 'v2 toll' })
  t.is(p1.status, 'applied', 'v1 pays offline')
  t.is(p2.status, 'applied', 'v2 pays offline')

  replicate(op, v1)
  replicate(op, v2)
  replicate(op, booth)
  const all = [op, booth, v1, v2]
  const settled = async (): Promise<boolean> => {
    for (const l of all) if ((await l.get(p1.id)) === null || (await l.get(p2.id)) === null) return false
    const hashes = await Promise.all(all.map((l) => l.hash()))
    return hashes.every((h) => h === hashes[0])
  }
  await until(all, settled)
  // Whether each payment stands; not its status, which also says how far each device has seen it
  // confirmed ('applied' here, 'confirmed' there a moment earlier).
  const stands = async (l: Ledger, id: string): Promise<string> => (await l.get(id))?.status === 'rejected' ? 'rejected' : 'stands'
  const verdicts = await Promise.all(all.map(async (l) => [await stands(l, p1.id), await stands(l, p2.id)].join('/')))
  t.ok(verdicts.every((v) => v === verdicts[0]), `every device agrees: ${verdicts[0]}`)
  const [s1, s2] = verdicts[0].split('/')
  t.ok((s1 === 'rejected') !== (s2 === 'rejected'), 'exactly one payment stands')
  const loser = s1 === 'rejected' ? p1 : p2
  t.is((await v1.get(loser.id))?.rejection?.code, 'INSUFFICIENT_FUNDS', 'the other is rejected for lack of funds')
  t.is(await booth.balance(booth.deviceKey), 8)
  t.is(await booth.balance('fleet'), 2)
  t.is(await booth.supply(), 10)
})
