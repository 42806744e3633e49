/**
 * A restored device reopens itself once peers have given back its log (replica.ts `restart`).
 * Calls made while it reopens wait for it: they neither fail as if the ledger were closed
 * (`LEDGER_CLOSED`, `NOT_READY`) nor reach the Autobase being torn down.
 */
import test from 'brittle'
import { replicate } from './helpers/index.js'
import { holdReadsUntilClosed } from './helpers/internals.js'
import { restoredDevice } from './helpers/restored.js'

test('calls made while a restored device reopens wait for it, never LEDGER_CLOSED', { timeout: 120_000 }, async (t) => {
  const { a, b2, later } = await restoredDevice(t)
  let restored = false
  b2.once('storage-restored', () => { restored = true })
  t.teardown(replicate(a, b2))
  const codes = new Map<string, number>()
  let written: string | null = null
  // Ask as fast as a client would, from the moment it opens until it has reopened and written.
  while (written === null) {
    await new Promise((resolve) => setImmediate(resolve)) // let I/O run between rounds
    const [append, get] = await Promise.allSettled([b2.append({ type: 'note', data: { n: 100 } }), b2.get(later[0])])
    for (const r of [append, get]) {
      if (r.status === 'rejected') {
        const code = (r.reason as { code?: string }).code ?? String(r.reason)
        codes.set(code, (codes.get(code) ?? 0) + 1)
      }
    }
    if (append.status === 'fulfilled') written = append.value.id
    else if (restored && (codes.get('RESTORE_PENDING') ?? 0) < [...codes.values()].reduce((x, y) => x + y) - 100) break // failing for good
  }
  t.ok(restored, 'the device reopened on its restored log')
  t.ok(written !== null, 'and wrote once it had')
  const unexpected = [...codes.keys()].filter((c) => c !== 'RESTORE_PENDING')
  t.alike(unexpected, [], `only RESTORE_PENDING before the log was back (${JSON.stringify([...codes])})`)
})

test('a read a restart overtakes runs again on the reopened ledger', { timeout: 120_000 }, async (t) => {
  const { a, b2, later } = await restoredDevice(t)
  holdReadsUntilClosed(b2) // the view reads below reach the old Autobase only once it has closed
  const reads = Promise.allSettled([b2.get(later[0]), b2.status(later[1]), b2.members(), b2.roleOf(b2.deviceKey)])
  const restored = new Promise<void>((resolve) => b2.once('storage-restored', () => { resolve() }))
  t.teardown(replicate(a, b2))
  await restored
  const [entry, status, members, role] = await reads
  t.is(entry.status === 'fulfilled' ? entry.value?.id : entry.reason, later[0], 'get answered from the reopened ledger')
  t.ok(status.status === 'fulfilled' && ['applied', 'confirmed'].includes(status.value), `and status (${status.status === 'fulfilled' ? status.value : String(status.reason)})`)
  t.is(members.status === 'fulfilled' ? members.value.length : members.reason, 2, 'and members')
  t.is(role.status === 'fulfilled' ? role.value : role.reason, 'writer', 'and roleOf')
})
