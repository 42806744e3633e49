/**
 * The whole-ledger audit (`ledger.verify()`): every writer log re-checked against its signed tree
 * and the view rebuilt from the logs and compared, on a ledger of group-committed entries, against
 * a fresh Corestore downloading (and so checking) one bare Hypercore of the same number of 256-byte
 * blocks: the raw baseline for "re-check what this device holds".
 */
import Corestore from 'corestore'
import { Ledger } from '../src/index.js'
import { pipeReplicas } from '../src/audit/pipe.js'
import { IN_FLIGHT } from './ingest.js'
import { alive, concurrently, entryBuffer, entryInput, now, peakRss, removeDir, tempDir, type Scenario, type SideResult } from './util.js'

/** Longest an audit may take, ms. */
const WAIT_MS = 10 * 60_000

/** Entries checked per second. */
export const audit: Scenario = {
  name: 'audit',
  figures: [
    { label: 'whole-ledger audit, group-committed entries (raw: bare hypercore download + check)', metric: 'entriesPerSec', unit: 'entries/s' }
  ],
  async run (side, quick) {
    const n = quick ? 2000 : 10_000
    return side === 'ours' ? await runOurs(n) : await runRaw(n)
  }
}

async function runOurs (n: number): Promise<SideResult> {
  const dir = await tempDir('audit')
  const ledger = new Ledger({ storage: dir, swarm: false })
  try {
    await ledger.ready()
    await concurrently(n, IN_FLIGHT, () => ledger.append(entryInput))
    const start = now()
    const report = await alive(ledger.verify(), WAIT_MS, 'verify')
    const ms = now() - start
    if (!report.ok) throw new Error(`verify found problems: ${JSON.stringify(report.problems)}`)
    return {
      metrics: { entriesPerSec: n / (ms / 1000), peakMB: peakRss() },
      notes: [`audit: ${n} entries in ${ledger.stats.appended.blocks} blocks, view of ${report.viewLength} blocks, verified in ${ms.toFixed(0)} ms`]
    }
  } finally {
    await ledger.close()
    await removeDir(dir)
  }
}

async function runRaw (n: number): Promise<SideResult> {
  const dirA = await tempDir('audit-raw-a')
  const dirB = await tempDir('audit-raw-b')
  const storeA = new Corestore(dirA)
  const storeB = new Corestore(dirB)
  let unpipe = (): void => {}
  try {
    const core = storeA.get({ name: 'bench' })
    await core.ready()
    await core.append(Array.from({ length: n }, () => entryBuffer))
    const start = now()
    const copy = storeB.get({ key: core.key })
    await copy.ready()
    unpipe = pipeReplicas(storeA, storeB)
    await alive(copy.download({ start: 0, end: n }).done(), WAIT_MS, 'raw download')
    const ms = now() - start
    return { metrics: { entriesPerSec: n / (ms / 1000), peakMB: peakRss() }, notes: [] }
  } finally {
    unpipe()
    await storeB.close()
    await storeA.close()
    await removeDir(dirA)
    await removeDir(dirB)
  }
}
