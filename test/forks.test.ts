import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { cp, rm } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import Corestore from 'corestore'
import { encodeEvidence, proveFork, type ForkEvidence } from '../src/proofs/fork-evidence.js'
import { decodeKey, Ledger, type ForkReport } from '../src/index.js'
import { BIN } from './helpers/daemon.js'
import { create, fails, group, replicate, tmp, until } from './helpers/index.js'
import { appendOps, localCore } from './helpers/internals.js'

type T = test.Test

async function collect<V> (it: AsyncIterable<V>): Promise<V[]> {
  const out: V[] = []
  for await (const v of it) out.push(v)
  return out
}

/**
 * Copy a device's data folder, as restoring a backup or cloning its disk does. Hypercore's storage
 * refuses a plain copy (its CORESTORE file records the inode and an extended attribute); a disk
 * image keeps both, and so does deleting the file in the copy, which is what this does.
 */
async function cloneFolder (t: T, folder: string): Promise<string> {
  const copy = await tmp(t)
  await cp(folder, copy, { recursive: true })
  await rm(path.join(copy, 'CORESTORE'))
  return copy
}

/** A device that joined `creator`'s ledger, wrote one entry and closed; returns its folder and key. */
async function closedDevice (t: T, creator: Ledger): Promise<{ folder: string, key: string }> {
  const folder = await tmp(t)
  const device = await create(t, { storage: folder, key: creator.key, encryptionKey: creator.encryptionKey })
  const unpipe = replicate(creator, device)
  await creator.addMember(device.deviceKey)
  await until([device], () => device.writable)
  const entry = await device.append({ type: 'note', data: 'before the copy' })
  await until([creator], async () => (await creator.get(entry.id)) !== null)
  unpipe()
  const key = device.deviceKey
  await device.close()
  return { folder, key }
}

/** Real fork evidence against a closed device: its folder copied, each copy's log given another next block. */
async function forkFromStorage (t: T, folder: string): Promise<ForkEvidence> {
  const logs = []
  for (const [dir, text] of [[folder, 'one'], [await cloneFolder(t, folder), 'two']]) {
    const store = new Corestore(dir)
    const core = store.get({ name: 'local' })
    await core.ready()
    await core.append(Buffer.from(text))
    logs.push({ store, core })
  }
  const [one, two] = logs.map((l) => l.core)
  const upgrade = { start: 0, length: one.length }
  const proofs = await Promise.all([one.proof({ upgrade }), two.proof({ upgrade })])
  const manifest = one.manifest
  if (manifest === null) throw new Error('a written core has a manifest')
  const evidence = encodeEvidence(one.key, manifest, [{ ...proofs[0], request: 0 }, { ...proofs[1], request: 0 }])
  for (const l of logs) await l.store.close()
  return evidence
}

function flip (hex: string, at: number): string {
  const bytes = Buffer.from(hex, 'hex')
  bytes[at] ^= 1
  return bytes.toString('hex')
}

test('a device whose folder was copied and written twice is caught, recorded and quarantined everywhere', async (t) => {
  const [a, c] = await group(t, ['writer'])
  const { folder, key } = await closedDevice(t, a)
  const plain = await tmp(t)
  await cp(folder, plain, { recursive: true })
  await fails(t, new Ledger({ storage: plain, swarm: false }).ready(), 'STORAGE_COPIED', 'a plain copy of the folder is refused')
  const copyFolder = await cloneFolder(t, folder)
  const d = await create(t, { storage: folder })
  const copy = await create(t, { storage: copyFolder })
  t.is(d.deviceKey, key)
  t.is(copy.deviceKey, key, 'both copies sign as the same device')

  const x = [await d.append({ type: 'note', data: 'x0' }), await d.append({ type: 'note', data: 'x1' })]
  const y = []
  for (const data of ['y0', 'y1', 'y2']) y.push(await copy.append({ type: 'note', data }))
  t.teardown(replicate(a, d))
  t.teardown(replicate(c, d))
  await until([a, c], async () => (await a.get(x[1].id)) !== null && (await c.get(x[1].id)) !== null)

  const caught = once(a, 'fork') as Promise<[ForkReport]>
  const own = once(copy, 'fork') as Promise<[ForkReport]>
  t.teardown(replicate(a, copy))
  const [report] = await caught
  t.is(report.key, key, 'the observer that meets both histories catches the fork')
  t.is(report.self, false)
  t.absent('code' in proveFork(decodeKey(key), report.evidence.manifest, report.evidence.proofs), 'its evidence proves the fork')
  const [mine] = await own
  t.is(mine.self, true, 'the copy learns that its own log forked')
  await fails(t, copy.append({ type: 'note', data: 'y3' }), 'FORKED', 'and can no longer write')

  for (const [name, l] of [['observer', a], ['other writer', c], ['original', d]] as const) {
    await until([l], async () => (await l.members()).some((m) => m.key === key && m.forkedAt !== undefined))
    const forks = await collect(l.forks())
    t.is(forks.length, 1, `${name}: the fork is on the ledger`)
    const [fork] = forks
    t.is(fork.key, key)
    t.is(fork.reportedBy, a.deviceKey)
    t.not(fork.statements[0].treeHash, fork.statements[1].treeHash, `${name}: two signed histories of length ${fork.length}`)
    t.is((await l.get(fork.at))?.type, 'fork.evidence')
    const member = (await l.members()).find((m) => m.key === key)
    t.alike(member?.quarantined, { by: a.deviceKey, at: fork.at, reason: 'fork' }, `${name}: the device is quarantined`)
    t.is(member?.forkedAt, fork.at)
  }
  for (const l of [a, c]) {
    t.ok((await l.get(x[1].id))?.status !== 'held', 'what was applied before the fork was caught stays')
    t.is((await l.get(y[0].id))?.data, 'x0', 'at the contested address, the history that arrived first')
  }

  await d.update()
  await fails(t, d.append({ type: 'note', data: 'later' }), 'FORKED', 'the original stops writing once it knows')
  const seq = await appendOps(d, [{ t: 'note', d: 'written anyway' }])
  const later = `${key}.${seq}.0`
  await until([c, d], async () => (await c.get(later))?.status === 'held' && (await d.get(later))?.status === 'held')
  t.pass('a block written after the evidence is held where it arrives')
  await fails(t, a.release(key), 'FORKED', 'a forked device is never released')
})

test('forged fork evidence is rejected with INVALID_EVIDENCE on every peer and quarantines no one', async (t) => {
  const [a, w] = await group(t, ['writer'])
  const z = await closedDevice(t, a)
  const real = await forkFromStorage(t, z.folder)
  t.is(real.key, z.key)

  const log = localCore(w)
  await w.append({ type: 'note', data: 1 })
  const length = log.length
  const early = await log.proof({ upgrade: { start: 0, length } })
  await w.append({ type: 'note', data: 2 })
  const late = await log.proof({ upgrade: { start: 0, length } })
  if (log.manifest === null) throw new Error('a written core has a manifest')

  const forged: Array<[string, ForkEvidence]> = [
    ['a signature altered', { ...real, proofs: [real.proofs[0], flip(real.proofs[1], real.proofs[1].length / 2 - 1)] }],
    ['two statements that agree', encodeEvidence(log.key, log.manifest, [{ ...early, request: 0 }, { ...late, request: 0 }])],
    ['another device\'s fork', { ...real, key: w.deviceKey }]
  ]
  for (const [what, data] of forged) await fails(t, w.append({ type: 'fork.evidence', data }), 'INVALID_EVIDENCE', `${what}: refused locally`)
  const ids: string[] = []
  for (const [, data] of forged) ids.push(`${w.deviceKey}.${await appendOps(w, [{ t: 'fork.evidence', d: data }])}.0`)
  await until([a, w], async () => (await Promise.all(ids.flatMap((id) => [a.get(id), w.get(id)]))).every((e) => e !== null))
  for (const l of [a, w]) {
    for (const [i, id] of ids.entries()) {
      const entry = await l.get(id)
      t.is(entry?.status, 'rejected', `${forged[i][0]}: rejected`)
      t.is(entry?.rejection?.code, 'INVALID_EVIDENCE')
    }
    t.alike(await collect(l.forks()), [], 'nothing recorded')
    t.ok((await l.members()).every((m) => m.quarantined === undefined), 'no one quarantined')
  }

  const first = await w.append({ type: 'fork.evidence', data: real })
  await until([a], async () => (await a.get(first.id)) !== null)
  const again = await a.append({ type: 'fork.evidence', data: real }) // after the first: it saw it
  await until([w], async () => (await w.get(again.id)) !== null)
  for (const l of [a, w]) {
    const forks = await collect(l.forks())
    t.is(forks.length, 1, 'real evidence, reported twice, records one fork')
    t.is(forks[0].at, first.id, 'the first report stands')
    t.ok((await l.get(again.id))?.status !== 'rejected', 'a second report is accepted and changes nothing')
    t.alike((await l.members()).find((m) => m.key === z.key)?.quarantined, { by: w.deviceKey, at: first.id, reason: 'fork' })
  }
})

test('fork evidence checks are pure: no byte change makes a different fork, none throws', async (t) => {
  const [a] = await group(t, [])
  const z = await closedDevice(t, a)
  const real = await forkFromStorage(t, z.folder)
  const key = decodeKey(z.key)
  const proven = proveFork(key, real.manifest, real.proofs)
  if ('code' in proven) return t.fail(proven.reason)
  t.alike(proveFork(key, real.manifest, [real.proofs[1], real.proofs[0]]), { ...proven, statements: [proven.statements[1], proven.statements[0]] }, 'either order')
  t.is((proveFork(key, real.manifest, [real.proofs[0], real.proofs[0]]) as { code?: string }).code, 'INVALID_EVIDENCE', 'a statement and itself do not conflict')

  let same = 0
  const wrong: unknown[] = []
  const variants: Array<[string, string[]]> = []
  for (let i = 0; i < real.manifest.length / 2; i++) variants.push([flip(real.manifest, i), real.proofs])
  for (const p of [0, 1]) {
    for (let i = 0; i < real.proofs[p].length / 2; i++) {
      const proofs = [...real.proofs]
      proofs[p] = flip(proofs[p], i)
      variants.push([real.manifest, proofs])
    }
  }
  for (const [manifest, proofs] of variants) {
    const result = proveFork(key, manifest, proofs)
    if ('code' in result) {
      if (result.code !== 'INVALID_EVIDENCE') wrong.push(result)
      continue
    }
    // Nothing outside what is signed may change either: the request id must be 0 and the
    // signature carries no (unused) patch count.
    if (JSON.stringify(result) !== JSON.stringify(proven)) wrong.push(result)
    same++
  }
  t.alike(wrong, [], `${variants.length} one-bit changes: each rejected, or proving the very same fork`)
  t.is(same, 0, 'every byte matters')
})

test('meshledger forks lists recorded forks, with the evidence in --json', async (t) => {
  const data = await tmp(t)
  const a = await create(t, { storage: path.join(data, 'store') })
  const z = await closedDevice(t, a)
  const evidence = await forkFromStorage(t, z.folder)
  const entry = await a.append({ type: 'fork.evidence', data: evidence })
  await a.close()
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'forks', '--data', data, '--json'])
  const { forks } = JSON.parse(stdout) as { forks: Array<{ key: string, at: string, evidence: ForkEvidence }> }
  t.is(forks.length, 1)
  t.is(forks[0].key, z.key)
  t.is(forks[0].at, entry.id)
  t.alike(forks[0].evidence, evidence, 'the evidence, to check again offline')
})
