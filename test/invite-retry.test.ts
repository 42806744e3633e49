/**
 * A device whose answer was lost asks again. Blind-pairing retries a request (another
 * connection, the DHT poll, a second `join` from the same folder), and the request is the same
 * bytes each time: the invite and the device's keys decide it. The indexer admitted the device
 * the first time; the second time it must answer with the ledger again, not INVITE_USED, while
 * any other device with the used invite is still refused.
 */
import test from 'brittle'
import { join } from '../src/index.js'
import { create, fails, testnet, tmp } from './helpers/index.js'

test('the device an invite admitted gets the ledger again when it asks again; others are refused', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined, lan: false })
  const { code } = await a.invite({ role: 'writer' })
  const storage = await tmp(t)

  const first = await join(code, { storage, ...net, swarm: false, timeout: 20_000 })
  const device = first.deviceKey
  await first.close()
  t.is((await a.members()).find((m) => m.key === device)?.role, 'writer', 'admitted once')

  // The same folder, so the same device and swarm keys: the request blind-pairing sends again.
  const again = await join(code, { storage, ...net, swarm: false, timeout: 20_000 })
  t.teardown(() => again.close())
  t.is(again.key, a.key, 'answered with the ledger')
  t.is(again.deviceKey, device)
  t.is((await a.members()).length, 2, 'and admitted only once')

  await fails(t, join(code, { storage: await tmp(t), ...net, swarm: false, timeout: 20_000 }), 'INVITE_REJECTED', 'another device is refused')
})

test('a device removed after its invite admitted it is refused when it asks again', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined, lan: false })
  const { code } = await a.invite({ role: 'writer' })
  const storage = await tmp(t)
  const first = await join(code, { storage, ...net, swarm: false, timeout: 20_000 })
  const device = first.deviceKey
  await first.close()
  await a.removeMember(device)
  await fails(t, join(code, { storage, ...net, swarm: false, timeout: 20_000 }), 'INVITE_REJECTED', 'removed: no keys again')
})

test('past the invite\'s lifetime the device it admitted is refused when it asks again: a used code is then worth nothing', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined, lan: false })
  const { code, expires } = await a.invite({ role: 'writer', expires: 4000 })
  const storage = await tmp(t)
  const first = await join(code, { storage, ...net, swarm: false, timeout: 20_000 })
  await first.close()
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, expires - Date.now()) + 100))
  await fails(t, join(code, { storage, ...net, swarm: false, timeout: 20_000 }), 'INVITE_REJECTED', 'expired: no keys again')
})
