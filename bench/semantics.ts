/**
 * Semantics: what interpreting ops costs. Many concurrent appends (as in ingest) of `transfer`s
 * between a few funded accounts, and of telemetry readings, each on a fresh ledger, against plain
 * ~200-byte `note` entries (the "raw baseline" column of this scenario: meshledger itself, with
 * nothing to interpret). Ledger ops are checked locally (a dry run of apply against the view)
 * before they are appended; the notes time that check alone, with appends it refuses.
 */
import { Ledger, isMeshledgerError, type EntryInput } from '../src/index.js'
import { IN_FLIGHT } from './ingest.js'
import { concurrently, now, removeDir, rssAfterGc, tempDir, type Metrics, type Scenario, type SideResult } from './util.js'

/** Shared accounts the transfers move money between (one device holds them all). */
const ACCOUNTS = ['acct-0', 'acct-1', 'acct-2', 'acct-3']

/** Money minted into each account: more than the bench can ever move. */
const FUNDS = 1_000_000_000

/** A plain entry whose data is about 200 bytes of JSON. */
const NOTE: EntryInput = { type: 'note', data: { text: 'x'.repeat(190) } }

/** Throughput of interpreted ops against plain entries, entries/s. */
export const semantics: Scenario = {
  name: 'semantics',
  figures: [
    { label: `transfers appended, ${IN_FLIGHT} in flight (raw column: plain ~200 B notes)`, metric: 'transfers', unit: 'entries/s' },
    { label: `telemetry readings appended, ${IN_FLIGHT} in flight (raw column: plain notes)`, metric: 'readings', unit: 'entries/s' }
  ],
  async run (side, quick) {
    const n = quick ? 5000 : 20000
    return side === 'ours' ? await runOurs(n) : await runPlain(n)
  }
}

/** Open a fresh offline ledger, run `body`, close it and remove its folder. */
async function withLedger<T> (label: string, body: (ledger: Ledger) => Promise<T>): Promise<T> {
  const dir = await tempDir(`semantics-${label}`)
  const ledger = new Ledger({ storage: dir, swarm: false })
  try {
    await ledger.ready()
    return await body(ledger)
  } finally {
    await ledger.close()
    await removeDir(dir)
  }
}

/** Time `n` concurrent appends; `ops` per second and entries per block. */
async function timed (ledger: Ledger, n: number, append: (i: number) => Promise<unknown>): Promise<{ perSec: number, ms: number, perBlock: number }> {
  const before = ledger.stats.appended
  const start = now()
  await concurrently(n, IN_FLIGHT, append)
  const ms = now() - start
  const after = ledger.stats.appended
  return { perSec: n / (ms / 1000), ms, perBlock: (after.entries - before.entries) / (after.blocks - before.blocks) }
}

/** Time `n` concurrent appends that the local check refuses (nothing is appended): the check alone. */
async function timedRefusals (n: number, append: (i: number) => Promise<unknown>, code: string): Promise<number> {
  const start = now()
  await concurrently(n, IN_FLIGHT, async (i) => {
    try {
      await append(i)
    } catch (err) {
      if (isMeshledgerError(err) && err.code === code) return
      throw err
    }
    throw new Error(`expected ${code}`)
  })
  return n / ((now() - start) / 1000)
}

async function runOurs (n: number): Promise<SideResult> {
  const metrics: Metrics = {}
  const notes: string[] = []
  await withLedger('transfers', async (ledger) => {
    for (const account of ACCOUNTS) {
      await ledger.append({ type: 'account.open', data: { account, holders: [ledger.deviceKey] } })
      await ledger.mint(account, FUNDS)
    }
    const pay = (i: number, amount: number): Promise<unknown> =>
      ledger.transfer({ from: ACCOUNTS[i % ACCOUNTS.length], to: ACCOUNTS[(i + 1) % ACCOUNTS.length], amount })
    const t = await timed(ledger, n, (i) => pay(i, 1))
    const check = await timedRefusals(Math.ceil(n / 4), (i) => pay(i, FUNDS * 2), 'INSUFFICIENT_FUNDS')
    const total = (await Promise.all(ACCOUNTS.map((a) => ledger.balance(a)))).reduce((x, y) => x + y, 0)
    if (total !== FUNDS * ACCOUNTS.length) throw new Error(`money was created or lost: ${total}`)
    metrics.transfers = t.perSec
    metrics.rssMB = await rssAfterGc()
    notes.push(`transfers: ${n} in ${t.ms.toFixed(0)} ms, ${t.perBlock.toFixed(1)} entries/block; ` +
      `local check alone (refused transfers, which write nothing into the check's batch): ${check.toFixed(0)}/s = ` +
      `${(1000 / check).toFixed(3)} ms each, against ${(1000 / t.perSec).toFixed(3)} ms per transfer`)
  })
  await withLedger('readings', async (ledger) => {
    const t = await timed(ledger, n, (i) => ledger.record('s1', { temp: 20 + (i % 100) / 10 }))
    const check = await timedRefusals(Math.ceil(n / 4), (i) => ledger.record('s1', { temp: i }, { asset: 'no-such-asset' }), 'UNKNOWN_ASSET')
    metrics.readings = t.perSec
    notes.push(`readings: ${n} in ${t.ms.toFixed(0)} ms, ${t.perBlock.toFixed(1)} entries/block; ` +
      `local check alone (refused readings): ${check.toFixed(0)}/s = ${(1000 / check).toFixed(3)} ms each, ` +
      `against ${(1000 / t.perSec).toFixed(3)} ms per reading`)
  })
  return { metrics, notes }
}

/** The baseline: plain notes, nothing to check or interpret. Reported under both figures' metrics. */
async function runPlain (n: number): Promise<SideResult> {
  return withLedger('plain', async (ledger) => {
    const t = await timed(ledger, n, () => ledger.append(NOTE))
    const rss = await rssAfterGc()
    return {
      metrics: { transfers: t.perSec, readings: t.perSec, rssMB: rss },
      notes: [`plain notes: ${n} in ${t.ms.toFixed(0)} ms, ${t.perBlock.toFixed(1)} entries/block`]
    }
  })
}
