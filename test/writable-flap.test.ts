import test from 'brittle'

import type { Ledger } from '../src/index.js'
import { create, replicate, until } from './helpers/index.js'

// New devices per round. Later additions onto a base that already has many indexers take tens of
// seconds before the new device is writable, so the indexer additions come in the first round; the
// rounds after reconnect, append and close every stream again.
const NEW_PER_ROUND = [8, 0]
const WATCH_MS = 1500
const PROBE_MS = 500

interface Watch {
  /** Flaps seen since the last `take()`: a device read `writable === false` after it was writable. */
  take (): string[]
  stop (): void
}

/**
 * Samples `writable` on every tick (the flap lives inside one drain pass, between awaits) and,
 * while a device reads writable, keeps one probe append in flight on it: an append must never
 * throw NOT_WRITABLE once the device was writable.
 */
function watchWritable (devices: Ledger[]): Watch {
  let flaps = new Set<string>()
  const ever = new Map<Ledger, boolean>()
  const probing = new Set<Ledger>()
  const offs: Array<() => void> = []
  const probe = (d: Ledger, i: number): void => {
    if (probing.has(d)) return
    probing.add(d)
    d.append({ type: 'note', data: { probe: i } }).then(() => probing.delete(d), (err: { code?: string }) => {
      flaps.add(`device ${i}: probe append failed with ${err.code ?? String(err)}`)
      probing.delete(d)
    })
  }
  const timer = setInterval(() => devices.forEach((d, i) => {
    if (!ever.has(d)) {
      ever.set(d, false)
      const onUnwritable = (): void => { flaps.add(`device ${i}: 'unwritable' emitted`) }
      d.on('unwritable', onUnwritable)
      offs.push(() => d.off('unwritable', onUnwritable))
    }
    if (d.writable) {
      ever.set(d, true)
    } else if (ever.get(d) === true) {
      flaps.add(`device ${i}: writable === false`)
    }
  }), 0)
  // Probes are spaced out: a busy device's apply would otherwise trail far behind its peers.
  const probes = setInterval(() => devices.forEach((d, i) => { if (d.writable) probe(d, i) }), PROBE_MS)
  return {
    take: () => { const out = [...flaps]; flaps = new Set(); return out },
    stop: () => { clearInterval(timer); clearInterval(probes); for (const off of offs) off() }
  }
}

test('writable follows membership only: additions and closed connections never make members unwritable', async (t) => {
  t.timeout(110000)
  const admin = await create(t)
  const devices: Ledger[] = []
  const watch = watchWritable(devices)
  t.teardown(() => watch.stop())

  for (let round = 0; round < NEW_PER_ROUND.length; round++) {
    const added: Ledger[] = []
    for (let i = 0; i < NEW_PER_ROUND[round]; i++) added.push(await create(t, { key: admin.key, encryptionKey: admin.encryptionKey }))
    devices.push(...added)
    const cuts = devices.map((d) => replicate(admin, d))
    // Indexers: every addition changes the indexer set, so devices reboot onto a new view while
    // their own addition is still tentative there (the flap needs that).
    for (const d of added) await admin.addMember(d.deviceKey, { role: 'indexer' })
    await until([admin, ...devices], () => devices.every((d) => d.writable))
    await Promise.all(devices.map((d, i) => d.append({ type: 'note', data: { round, device: i, before: true } })))

    for (const cut of cuts) cut()
    const appended = await Promise.allSettled(devices.map((d, i) => d.append({ type: 'note', data: { round, device: i } })))
    const failed = appended.flatMap((r, i) => r.status === 'rejected' ? [`device ${i}: ${(r.reason as { code?: string }).code ?? String(r.reason)}`] : [])
    t.alike(failed, [], `round ${round}: every device appends right after the disconnect`)
    // The flap lasted about a second after the streams closed: watch past that.
    const end = Date.now() + WATCH_MS
    while (Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 50))
    t.alike(watch.take(), [], `round ${round}: no member read writable === false or failed an append`)
  }
})
