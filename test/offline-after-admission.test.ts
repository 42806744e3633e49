/**
 * A device admitted by a fast-forward, then gone offline at once (a vehicle that drove away from
 * the gateway), must still write. Autobase's own update reads its system core (heads, writers), and
 * after a fast-forward its older blocks are not here: the replica fetches them once the view is
 * local (view-prefetch.ts). Without that, appends waited in Autobase's update for a peer that had
 * left, and a process with nothing else to do exited with them pending.
 */
import test from 'brittle'
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import type { Ledger } from '../src/index.js'
import { create, replicate, until } from './helpers/index.js'

const HISTORY = 150
const OFFLINE = 10
const WAIT_MS = 30_000

function baseOf (ledger: Ledger): Autobase<Hyperbee> {
  return (ledger as unknown as { replica: { base: Autobase<Hyperbee> } }).replica.base
}

test('a device admitted by a fast-forward gets the system core whole, and writes offline', async (t) => {
  const gateway = await create(t)
  for (let i = 0; i < HISTORY; i++) await gateway.append({ type: 'reading', data: { i } })
  const device = await create(t, { key: gateway.key, encryptionKey: gateway.encryptionKey })
  const unpipe = replicate(gateway, device)
  await gateway.addMember(device.deviceKey, { role: 'writer' })
  await until([device], () => device.writable)
  const system = baseOf(device).core
  const deadline = Date.now() + WAIT_MS
  while (system.contiguousLength < system.signedLength && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20))
  t.ok(system.signedLength > HISTORY, `the system core is ${system.signedLength} signed blocks (the device fast-forwarded over them)`)
  t.is(system.contiguousLength, system.signedLength, 'every signed block of the system core is here while the gateway is')
  unpipe()
  let written = 0
  for (let i = 0; i < OFFLINE; i++) {
    await device.append({ type: 'reading', data: { offline: i } })
    written++
  }
  t.is(written, OFFLINE, 'appends resolve with no peer')
})
