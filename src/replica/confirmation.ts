/**
 * Waiting for an entry to become final: read it again at each change that could move it (the
 * view, or the writer's log for a block that reaches no view), until it is confirmed, its
 * rejection is final, the ledger stops, or the wait times out.
 */
import type Autobase from 'autobase'
import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import { MeshledgerError } from '../errors.js'
import type { Entry } from '../protocol/entry.js'
import { parseId, type EntryAddress } from '../protocol/entry-id.js'
import { keepAlive } from './keep-alive.js'

/** What the wait needs of the ledger; read at each turn. */
export interface ConfirmationHost {
  read (base: Autobase<Hyperbee>, addr: EntryAddress): Promise<Entry | null>
  /** The fatal storage failure, once there was one. */
  fault (): Error | null
  closing (): boolean
  /** The log of `writer`, when this device follows it. */
  log (writer: Buffer): Hypercore | null
  /** The ledger's own `close` and `fault` events. */
  on (event: 'close' | 'fault', listener: () => void): void
  off (event: 'close' | 'fault', listener: () => void): void
}

/** Resolves with entry `id` once confirmed; see `LedgerCore.confirmed`. */
export async function waitConfirmed (host: ConfirmationHost, base: Autobase<Hyperbee>, id: string, timeout: number): Promise<Entry> {
  const addr = parseId(id)
  let expired = false
  let timer: NodeJS.Timeout | undefined
  const expiry = new Promise<void>((resolve) => {
    timer = timeout > 0
      ? setTimeout(() => { expired = true; resolve() }, timeout)
      : keepAlive()
  })
  try {
    while (true) {
      const entry = await host.read(base, addr)
      if (entry?.status === 'confirmed') return entry
      if (entry?.rejection?.final === true) {
        throw MeshledgerError.entryRejected(`${id}: ${entry.rejection.code}: ${entry.rejection.reason}`)
      }
      const fault = host.fault()
      if (fault !== null) throw fault
      if (host.closing()) throw MeshledgerError.ledgerClosed()
      if (expired) throw MeshledgerError.timeout(`${id} was not confirmed within ${timeout} ms`)
      // A removed writer's block reaches no view: the change to wait for is in its log.
      await nextChange(host, base, expiry, host.log(addr.writer))
    }
  } finally {
    clearTimeout(timer)
  }
}

/** Resolves at the next view change, on close, or when `stop` resolves. */
function nextChange (host: ConfirmationHost, base: Autobase<Hyperbee>, stop: Promise<void>, log: Hypercore | null = null): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      base.off('update', done)
      base.view.core.off('append', done)
      log?.off('append', done)
      log?.off('download', done)
      host.off('close', done)
      host.off('fault', done)
      resolve()
    }
    base.on('update', done)
    base.view.core.on('append', done)
    log?.on('append', done)
    log?.on('download', done)
    host.on('close', done)
    host.on('fault', done)
    stop.then(done, done)
  })
}
