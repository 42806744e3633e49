import test from 'brittle'

import type { Ledger } from '../src/index.js'
import { create, replicate, until } from './helpers/index.js'

const DEVICES = 8
const ROUNDS = 3
const WATCH_MS = 2000

/** Samples `writable` on every tick until `stop()`: each device seen false after it was first writable. */
function watchWritable (devices: Ledger[]): { flaps: Set<string>, stop (): void } {
  const flaps = new Set<string>()
  const ever = devices.map(() => false)
  const offs = devices.map((d, i) => {
    const onUnwritable = (): void => { flaps.add(`device ${i}: 'unwritable' emitted`) }
    d.on('unwritable', onUnwritable)
    return () => d.off('unwritable', onUnwritable)
  })
  const timer = setInterval(() => devices.forEach((d, i) => {
    if (d.writable) ever[i] = true
    else if (ever[i]) flaps.add(`device ${i}: writable === false`)
  }), 0)
  return { flaps, stop: () => { clearInterval(timer); for (const off of offs) off() } }
}

test('writable follows membership only: closing every connection does not make members unwritable', async (t) => {
  t.timeout(110000)
  const admin = await create(t)
  const devices: Ledger[] = []
  for (let i = 0; i < DEVICES; i++) devices.push(await create(t, { key: admin.key, encryptionKey: admin.encryptionKey }))
  const watch = watchWritable(devices)
  t.teardown(() => watch.stop())

  for (let round = 0; round < ROUNDS; round++) {
    const cuts = devices.map((d) => replicate(admin, d))
    // Indexers: every addition changes the indexer set, so devices reboot onto a new view while
    // their own addition is still tentative (the flap needs that).
    if (round === 0) for (const d of devices) await admin.addMember(d.deviceKey, { role: 'indexer' })
    await until([admin, ...devices], () => devices.every((d) => d.writable))
    await Promise.all(devices.map((d, i) => d.append({ type: 'note', data: { round, device: i, before: true } })))

    for (const cut of cuts) cut()
    const appended = await Promise.allSettled(devices.map((d, i) => d.append({ type: 'note', data: { round, device: i } })))
    const failed = appended.flatMap((r, i) => r.status === 'rejected' ? [`device ${i}: ${(r.reason as { code?: string }).code ?? String(r.reason)}`] : [])
    t.alike(failed, [], `round ${round}: every device appends right after the disconnect`)
    const end = Date.now() + WATCH_MS
    while (Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50))
    t.alike([...watch.flaps], [], `round ${round}: no member ever read writable === false`)
  }
})
