/**
 * The ledger half of the arm64 smoke, run by the emulated node (smoke/arm64.ts starts it): two
 * ledgers in temp folders, the second admitted as a writer, replicated in memory; the first
 * appends a batch, the second one entry, and both end on one confirmed view with one hash. Prints
 * one JSON line with the figures and the native addons loaded; exits non-zero on any failure.
 */
import { rm } from 'node:fs/promises'
import { Ledger } from '../src/index.js'
import { pipeReplicas } from '../src/audit/pipe.js'
import { alive, concurrently, entryInput, now, tempDir, until } from '../bench/util.js'
import { IN_FLIGHT } from '../bench/ingest.js'

/** Entries the first ledger appends (the issue saw 2,000 at about 3,000/s emulated). */
const ENTRIES = Number(process.env.SMOKE_ENTRIES ?? 2000)

/** Longest any one step may take under emulation, ms. */
const STEP_MS = 120_000

const dirs = [await tempDir('smoke-a'), await tempDir('smoke-b')]
const a = new Ledger({ storage: dirs[0], swarm: false })
await a.ready()
const b = new Ledger({ storage: dirs[1], key: a.key, encryptionKey: a.encryptionKey, swarm: false })
await b.ready()
const unpipe = pipeReplicas(a, b)
try {
  await a.addMember(b.deviceKey, { role: 'writer' })
  await alive(until(b, 'writable', () => b.writable), STEP_MS, 'b admitted as a writer')

  const started = now()
  await alive(concurrently(ENTRIES, IN_FLIGHT, () => a.append(entryInput)), STEP_MS, `${ENTRIES} appends`)
  const appendMs = now() - started
  const last = await b.append({ type: 'note', data: { text: 'from b' } })
  await alive(a.confirmed(last.id, { timeout: STEP_MS }), STEP_MS, 'b\'s entry confirmed on a')
  await alive(b.confirmed(last.id, { timeout: STEP_MS }), STEP_MS, 'b\'s entry confirmed on b')

  const same = async (): Promise<boolean> => a.length === b.length && await a.hash() === await b.hash()
  await alive(Promise.race([until(a, 'update', same), until(b, 'update', same)]), STEP_MS, 'one view')
  console.log(JSON.stringify({
    arch: process.arch,
    node: process.version,
    entries: ENTRIES + 1,
    appendPerSec: Math.round(ENTRIES / (appendMs / 1000)),
    syncedMs: Math.round(now() - started),
    length: a.length,
    hash: await a.hash(),
    // The native addons this process loaded (each from its prebuilds/<platform>-<arch>/ folder).
    addons: (process.report.getReport() as { sharedObjects: string[] }).sharedObjects.filter((f) => f.endsWith('.node'))
  }))
} finally {
  unpipe()
  await b.close()
  await a.close()
  for (const dir of dirs) await rm(dir, { recursive: true, force: true })
}
