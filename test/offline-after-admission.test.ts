/**
 * A device admitted by a fast-forward, then gone offline at once (a vehicle that drove away from
 * the gateway), must still write. Autobase's own update reads its system core (heads, writers) and
 * apply reads the view, and after a fast-forward their older blocks are not here: the replica
 * fetches them (view-prefetch.ts), and the device is writable only once they are; an append made
 * meanwhile waits while they arrive, and is NOT_WRITABLE once nothing has come for 5 s. Before,
 * such appends waited in Autobase's update for a peer that had left, and a process with nothing
 * else to do exited with them pending (the fleet tests hung 1 run in 3).
 */
import test from 'brittle'
import type { Ledger } from '../src/index.js'
import { create, fails, replicate, until } from './helpers/index.js'
import { baseOf } from './helpers/internals.js'

const HISTORY = 150
const OFFLINE = 10
const WAIT_MS = 30_000

/** A gateway with some history, and a device joining it by a fast-forward, piped. */
async function joining (t: test.Test): Promise<{ gateway: Ledger, device: Ledger, unpipe: () => void }> {
  const gateway = await create(t)
  for (let i = 0; i < HISTORY; i++) await gateway.append({ type: 'reading', data: { i } })
  const device = await create(t, { key: gateway.key, encryptionKey: gateway.encryptionKey })
  return { gateway, device, unpipe: replicate(gateway, device) }
}

/** `promise`, or a failure after WAIT_MS (a wait for a peer that left), keeping the process up. */
async function within<T> (promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([promise, new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${WAIT_MS} ms`)), WAIT_MS) })])
  } finally {
    clearTimeout(timer)
  }
}

test('a device that leaves the moment it is writable writes offline', { timeout: WAIT_MS * 3 }, async (t) => {
  const { gateway, device, unpipe } = await joining(t)
  await gateway.addMember(device.deviceKey, { role: 'writer' })
  await until([device], () => device.writable)
  unpipe()
  const system = baseOf(device).core
  t.ok(system.signedLength > HISTORY, `the system core is ${system.signedLength} signed blocks (the device fast-forwarded over them)`)
  t.is(system.contiguousLength, system.signedLength, 'every signed block of the system core is here once it is writable')
  let written = 0
  for (let i = 0; i < OFFLINE; i++) {
    await within(device.append({ type: 'reading', data: { offline: i } }), `offline append ${i}`)
    written++
  }
  t.is(written, OFFLINE, 'appends resolve with no peer')
})

test('a device that leaves as soon as Autobase admits it is NOT_WRITABLE, not left waiting', { timeout: WAIT_MS * 3 }, async (t) => {
  const { gateway, device, unpipe } = await joining(t)
  const base = baseOf(device)
  const admitted = new Promise<void>((resolve) => base.once('writable', () => {
    unpipe() // in the event itself: before the prefetch can fetch a block
    resolve()
  }))
  await gateway.addMember(device.deviceKey, { role: 'writer' })
  await within(admitted, 'admission')
  t.ok(base.core.contiguousLength < base.core.signedLength, `the system core is not here yet (${base.core.contiguousLength} of ${base.core.signedLength} blocks)`)
  t.is(device.writable, false, 'so the device is not writable')
  await fails(t, within(device.append({ type: 'reading', data: { offline: 0 } }), 'offline append'), 'NOT_WRITABLE')
  t.teardown(replicate(gateway, device))
  await until([device], () => device.writable)
  await within(device.append({ type: 'reading', data: { online: 0 } }), 'append once back')
  t.pass('writable and writing once a peer gave it the rest')
})

test('an append made as soon as Autobase admits the device waits for the fetch while a peer serves it', { timeout: WAIT_MS * 3 }, async (t) => {
  const { gateway, device } = await joining(t)
  const base = baseOf(device)
  const appended = new Promise<{ ready: boolean, append: Promise<unknown> }>((resolve) => base.once('writable', () => {
    resolve({ ready: device.writable, append: device.append({ type: 'reading', data: { first: true } }) })
  }))
  await gateway.addMember(device.deviceKey, { role: 'writer' })
  const { ready, append } = await within(appended, 'admission')
  t.is(ready, false, 'not writable yet when Autobase admitted it')
  await within(append, 'the first append')
  t.ok(device.writable, 'it resolved, and the device is writable')
})
