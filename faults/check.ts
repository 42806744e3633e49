/**
 * What the fault suite asks of a data folder after a fault: does the daemon start again (and how
 * fast), what does `verify` say, is every acknowledged entry there, and does a fresh replica reach
 * the same view and see a new entry confirmed.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { Ledger } from '../src/index.js'
import { pipeReplicas } from '../src/audit/pipe.js'
import { storageFailure } from '../src/replica/storage-errors.js'
import { StartFailed, startDaemon } from './daemon.js'

/** How long a fresh replica may take to match and to see a new entry confirmed. */
const REPLICA_TIMEOUT_MS = 60_000

/** One row of the suite's table. */
export interface Row {
  scenario: string
  round: number
  acked: number
  found: number
  /** `sound`, the audit's problem codes, or the coded error the daemon refused to start with. */
  verify: string
  /** `equal, confirms` or what went wrong. */
  replica: string
  /** ms from restart to the daemon's ready line. */
  recoverMs: number
  /** True when the row reads: nothing acknowledged lost (or the loss reported), fresh replica fine. */
  clean: boolean
  note?: string
}

/** Restart the daemon on `data`, audit it, stop it, then count `acked` and test a fresh replica. */
export async function checkFolder (scenario: string, round: number, data: string, acked: string[], { damage = false, args = [] as string[] } = {}): Promise<Row> {
  const row: Row = { scenario, round, acked: acked.length, found: 0, verify: '', replica: '', recoverMs: 0, clean: false }
  try {
    const daemon = await startDaemon(data, args)
    row.recoverMs = daemon.startMs
    const { body } = await daemon.api('POST', '/v1/verify')
    row.verify = body.ok === true ? 'sound' : (body.problems as Array<{ code: string }> | undefined)?.map((p) => p.code).join(',') ?? `error ${String(body.error?.code)}`
    await daemon.stop('SIGTERM')
  } catch (err) {
    if (!(err instanceof StartFailed)) throw err
    row.verify = `refused ${err.code ?? `exit ${String(err.exit)}`}`
    row.note = err.message.slice(0, 160)
  }
  if (!row.verify.startsWith('refused')) await inspect(path.join(data, 'store'), acked, row)
  const lost = row.acked - row.found
  const detected = row.verify !== 'sound'
  row.clean = damage
    ? (lost === 0 && !detected && row.replica === 'equal, confirms') || (detected && row.verify !== '')
    : lost === 0 && !detected && row.replica === 'equal, confirms'
  return row
}

async function inspect (storage: string, acked: string[], row: Row): Promise<void> {
  const ledger = new Ledger({ storage, swarm: false, ackInterval: 50 })
  let fresh: Ledger | null = null
  const scratch = await mkdtemp(path.join(tmpdir(), 'meshledger-faults-'))
  try {
    await ledger.ready()
    for (const id of acked) {
      const entry = await ledger.get(id)
      if (entry !== null && entry.status !== 'rejected') row.found++
    }
    fresh = new Ledger({ storage: scratch, swarm: false, key: ledger.key, encryptionKey: ledger.encryptionKey, ackInterval: 50 })
    await fresh.ready()
    const stop = pipeReplicas(ledger, fresh)
    try {
      const target = ledger.length
      const hash = await ledger.hash()
      if (!await settle([ledger, fresh], async () => fresh!.length >= target)) {
        row.replica = `stalled at ${fresh.length}/${target}`
        return
      }
      if (fresh.length === target && await fresh.hash() !== hash) {
        row.replica = 'another view hash'
        return
      }
      const probe = await ledger.append({ type: 'faults.probe', data: row.round })
      const seen = await settle([ledger, fresh], async () => (await fresh!.get(probe.id))?.status === 'confirmed')
      row.replica = seen ? 'equal, confirms' : 'equal, never confirms'
    } finally {
      stop()
    }
  } catch (err) {
    row.replica = `error ${String((storageFailure(err) ?? err as { code?: string }).code ?? err)}`
  } finally {
    await fresh?.close().catch(() => {})
    await ledger.close().catch(() => {})
    await rm(scratch, { recursive: true, force: true })
  }
}

/** Resolves true once `fn()` holds (re-checked on every update), false after the timeout. */
async function settle (ledgers: Ledger[], fn: () => Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + REPLICA_TIMEOUT_MS
  while (Date.now() < deadline) {
    if (await fn()) return true
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer)
        for (const l of ledgers) l.off('update', done)
        resolve()
      }
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()))
      for (const l of ledgers) l.on('update', done)
    })
  }
  return fn()
}
