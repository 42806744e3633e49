import test from 'brittle'
import { Ledger } from '../src/index.js'
import { create, testnet, tmp, until, fails } from './helpers/index.js'

test('finality: a majority of indexers confirms; without one, entries stay applied', async (t) => {
  const net = await testnet(t)
  const online = { ...net, swarm: undefined, ackInterval: 50 }
  const a = await create(t, online)
  const dirB = await tmp(t)
  let b = await create(t, { ...online, key: a.key, encryptionKey: a.encryptionKey, storage: dirB })
  const c = await create(t, { ...online, key: a.key, encryptionKey: a.encryptionKey })
  await a.addMember(b.deviceKey, { role: 'indexer' })
  await a.addMember(c.deviceKey, { role: 'indexer' })
  await until([b, c], () => b.isIndexer && c.isIndexer)
  const warmup = await a.append({ type: 'note', data: 'all three online' })
  t.is((await a.confirmed(warmup.id, { timeout: 20000 })).status, 'confirmed')

  await c.close()
  const twoOfThree = await a.append({ type: 'note', data: 'c offline' })
  t.is(twoOfThree.status === 'confirmed', false, 'not final the moment it is written')
  const confirmed = await a.confirmed(twoOfThree.id, { timeout: 20000 })
  t.is(confirmed.status, 'confirmed', 'two of three indexers confirm')

  await b.close()
  const oneOfThree = await a.append({ type: 'note', data: 'b and c offline' })
  await fails(t, a.confirmed(oneOfThree.id, { timeout: 1500 }), 'TIMEOUT', 'still unconfirmed after 30 ack intervals')
  t.is(await a.status(oneOfThree.id), 'applied')

  b = new Ledger({ ...online, storage: dirB })
  t.teardown(() => b.close())
  await b.ready()
  t.is((await a.confirmed(oneOfThree.id, { timeout: 30000 })).status, 'confirmed', 'confirmed once b returns')
  t.is((await b.confirmed(oneOfThree.id, { timeout: 30000 })).status, 'confirmed', 'and b agrees')
})
