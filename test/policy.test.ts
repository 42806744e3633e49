/**
 * Issue 11: the ledger's policy (protocol 5). Auto-quarantine counted in apply, recorded with its
 * evidence; majority quorums for quarantine, release and removal, and for changing the policy.
 */
import test from 'brittle'
import type { Ledger } from '../src/index.js'
import { fails, group, until } from './helpers/index.js'
import { appendOps, appendRaw } from './helpers/internals.js'

async function quarantinedOn (ledgers: Ledger[], key: string): Promise<boolean> {
  for (const l of ledgers) {
    if ((await l.members()).find((m) => m.key === key)?.quarantined === undefined) return false
  }
  return true
}

async function synced (ledgers: Ledger[]): Promise<void> {
  await until(ledgers, async () => {
    const hashes = await Promise.all(ledgers.map((l) => l.hash()))
    return ledgers.every((l) => l.length === ledgers[0].length) && hashes.every((h) => h === hashes[0])
  })
}

test('policy: ledger.policy needs protocol 5 and an indexer', async (t) => {
  const [a, b] = await group(t, ['writer'], { protocol: 4 })
  await fails(t, a.setPolicy({ autoQuarantine: { rejectedInARow: 3 } }), 'PROTOCOL_NOT_ACTIVE', 'protocol 4 ledgers have no policy')
  await a.activateProtocol(5)
  await fails(t, a.setPolicy({ autoQuarantine: { rejectedInARow: 0 } }), 'INVALID_ENTRY', 'a bad shape is refused locally')
  await fails(t, a.setPolicy({ quorum: { quarantine: 'all' as 'single' } }), 'INVALID_ENTRY')
  await until([b], async () => (await b.protocol()).active === 5)
  await fails(t, b.setPolicy({ autoQuarantine: { rejectedInARow: 1 } }), 'NOT_AUTHORISED', 'a writer may not set it')
  const forged = await appendOps(b, [{ t: 'ledger.policy', d: { autoQuarantine: { rejectedInARow: 1 } } }])
  await until([a], async () => (await a.get(`${b.deviceKey}.${forged}.0`)) !== null)
  t.is((await a.get(`${b.deviceKey}.${forged}.0`))?.rejection?.code, 'NOT_AUTHORISED', 'a forged policy is rejected in apply')
  t.alike((await a.policy()).autoQuarantine, null, 'and changes nothing')
})

test('policy: N refused blocks in a row quarantine a writer, by the ledger, with the evidence', async (t) => {
  const [a, b] = await group(t, ['writer'], { protocol: 4 })
  await a.activateProtocol(5)
  await a.setPolicy({ autoQuarantine: { rejectedInARow: 3 } })
  await until([b], async () => (await b.policy()).autoQuarantine !== null)
  await appendRaw(b, Buffer.from('garbage 1'))
  await appendRaw(b, Buffer.from('garbage 2'))
  await b.append({ type: 'note', data: 'fine' }) // an applied block ends the run
  const refused = []
  for (let i = 0; i < 3; i++) refused.push(await appendRaw(b, Buffer.from(`{"p":99,"o":[{"t":"x","s":1,"d":${i}}]}`)))
  await until([a, b], () => quarantinedOn([a, b], b.deviceKey))
  const q = (await a.members()).find((m) => m.key === b.deviceKey)?.quarantined
  t.is(q?.by, 'policy', 'quarantined by the ledger itself')
  t.alike(q?.evidence, refused.map((s) => `${b.deviceKey}.${s}.0`), 'the evidence: the refused blocks, in order')
  t.is(q?.at, `${b.deviceKey}.${refused[2]}.0`, 'at the block that tripped it')
  const held = await b.append({ type: 'note', data: 'after' })
  t.is(held.status, 'held', 'later entries are held')
  await a.release(b.deviceKey)
  await until([a], async () => (await a.get(held.id))?.status !== 'held')
  t.is((await a.get(held.id))?.data, 'after', 'release applies them')
  await synced([a, b])
  t.pass('one view hash')
})

test('policy: a share of refused blocks over a window; indexers are never auto-quarantined; no policy, no counting', async (t) => {
  const [a, b, c] = await group(t, ['writer', 'writer'], { protocol: 4 })
  await a.activateProtocol(5)
  for (let i = 0; i < 6; i++) await appendRaw(c, Buffer.from(`junk ${i}`))
  await a.setPolicy({ autoQuarantine: { share: 0.5, window: 4 } })
  await until([b], async () => (await b.policy()).autoQuarantine !== null)
  await appendRaw(b, Buffer.from('junk a'))
  await b.append({ type: 'note', data: 1 })
  await appendRaw(b, Buffer.from('junk b'))
  const last = await b.append({ type: 'note', data: 2 })
  for (let i = 0; i < 5; i++) await appendRaw(a, Buffer.from(`indexer junk ${i}`))
  await until([a], async () => (await a.get(last.id)) !== null)
  await until([a], async () => a.length > 0 && (await a.members()).find((m) => m.key === b.deviceKey)?.quarantined !== undefined)
  const q = (await a.members()).find((m) => m.key === b.deviceKey)?.quarantined
  t.is(q?.reason, 'policy: 2 of the last 4 blocks refused')
  t.is(q?.evidence?.length, 2)
  t.is((await a.members()).find((m) => m.key === a.deviceKey)?.quarantined, undefined, 'the indexer is not quarantined')
  t.is((await a.members()).find((m) => m.key === c.deviceKey)?.quarantined, undefined, 'blocks before the policy do not count')
})

test('policy: under a majority quorum one indexer cannot quarantine, and cannot lift the quorum alone', async (t) => {
  const [a, b, c, w] = await group(t, ['indexer', 'indexer', 'writer'], { protocol: 4 })
  const all = [a, b, c, w]
  await a.activateProtocol(5)
  await a.setPolicy({ quorum: { quarantine: 'majority', release: 'majority', remove: 'majority' } })
  await until(all, async () => (await w.policy()).quorum.quarantine === 'majority' && (await b.policy()).quorum.quarantine === 'majority' && (await c.policy()).quorum.quarantine === 'majority')

  await a.quarantine(w.deviceKey, { reason: 'odd' })
  await a.setPolicy({}) // a compromised indexer tries to turn the quorum off
  await synced(all)
  t.is((await b.members()).find((m) => m.key === w.deviceKey)?.quarantined, undefined, 'one vote of three quarantines no one')
  t.is((await b.policy()).quorum.quarantine, 'majority', 'and does not change the policy')
  t.is((await b.votes()).length, 2, 'two open votes')

  await b.quarantine(w.deviceKey, { reason: 'odd' })
  await until(all, () => quarantinedOn(all, w.deviceKey))
  const q = (await c.members()).find((m) => m.key === w.deviceKey)?.quarantined
  t.alike(q?.votes, [a.deviceKey, b.deviceKey].sort(), 'two of three: quarantined, with the votes')

  await a.release(w.deviceKey)
  await synced(all)
  t.ok(await quarantinedOn(all, w.deviceKey), 'release needs a majority too')
  await c.release(w.deviceKey)
  await until(all, async () => (await c.members()).find((m) => m.key === w.deviceKey)?.quarantined === undefined)
  t.pass('released by two of three')
})

test('policy: votes of a removed indexer are dropped; the majority follows the indexer count', async (t) => {
  const [a, b, c, w] = await group(t, ['indexer', 'indexer', 'writer'], { protocol: 4 })
  const all = [a, b, c, w]
  await a.activateProtocol(5)
  await a.setPolicy({ quorum: { quarantine: 'majority', remove: 'majority' } })
  await synced(all)
  await c.quarantine(w.deviceKey)
  await a.removeMember(c.deviceKey)
  await synced(all)
  t.is(await a.roleOf(c.deviceKey), 'indexer', 'one vote removes no indexer')
  await b.removeMember(c.deviceKey)
  const rest = [a, b, w]
  await until(rest, async () => (await a.roleOf(c.deviceKey)) === null && (await w.roleOf(c.deviceKey)) === null)
  t.alike((await a.members({ all: true })).find((m) => m.key === c.deviceKey)?.removedByVotes, [a.deviceKey, b.deviceKey].sort())
  await a.quarantine(w.deviceKey)
  await synced(rest)
  t.is((await a.members()).find((m) => m.key === w.deviceKey)?.quarantined, undefined, 'the removed indexer\'s vote no longer counts: 1 of 2')
  await b.quarantine(w.deviceKey)
  await until(rest, () => quarantinedOn(rest, w.deviceKey))
  t.alike((await a.members()).find((m) => m.key === w.deviceKey)?.quarantined?.votes, [a.deviceKey, b.deviceKey].sort(), '2 of 2')
  await synced(rest)
})
