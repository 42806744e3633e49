/**
 * A device whose answer was lost asks again. Blind-pairing retries a request (another
 * connection, the DHT poll, a second `join` from the same folder), and the request is the same
 * bytes each time: the invite and the device's keys decide it. The indexer admitted the device
 * the first time; the second time it must answer with the ledger again, not INVITE_USED, while
 * any other device with the used invite is still refused.
 */
import test from 'brittle'
import { join, type Ledger } from '../src/index.js'
import { create, fails, testnet, tmp } from './helpers/index.js'

/** A ledger on a testnet, an invite of it (`expires`: ms from now), and a device it admitted, closed again. */
async function admittedOnce (t: test.Test, expires?: number): Promise<{ a: Ledger, invite: { code: string, expires: number }, device: string, again: (folder?: string) => Promise<Ledger> }> {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined, lan: false })
  const invite = await a.invite({ role: 'writer', expires })
  const storage = await tmp(t)
  const first = await join(invite.code, { storage, ...net, swarm: false, timeout: 20_000 })
  const device = first.deviceKey
  await first.close()
  const again = async (folder = storage) => await join(invite.code, { storage: folder, ...net, swarm: false, timeout: 20_000 })
  return { a, invite, device, again }
}

test('the device an invite admitted gets the ledger again when it asks again; others are refused', async (t) => {
  const { a, device, again } = await admittedOnce(t)
  t.is((await a.members()).find((m) => m.key === device)?.role, 'writer', 'admitted once')

  // The same folder, so the same device and swarm keys: the request blind-pairing sends again.
  const second = await again()
  t.teardown(() => second.close())
  t.is(second.key, a.key, 'answered with the ledger')
  t.is(second.deviceKey, device)
  t.is((await a.members()).length, 2, 'and admitted only once')

  await fails(t, again(await tmp(t)), 'INVITE_REJECTED', 'another device is refused')
})

test('a device removed after its invite admitted it is refused when it asks again', async (t) => {
  const { a, device, again } = await admittedOnce(t)
  await a.removeMember(device)
  await fails(t, again(), 'INVITE_REJECTED', 'removed: no keys again')
})

test('past the invite\'s lifetime the device it admitted is refused when it asks again: a used code is then worth nothing', async (t) => {
  const { invite, again } = await admittedOnce(t, 4000)
  await new Promise((resolve) => setTimeout(resolve, Math.max(0, invite.expires - Date.now()) + 100))
  await fails(t, again(), 'INVITE_REJECTED', 'expired: no keys again')
})
