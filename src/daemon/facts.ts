/**
 * What the daemon adds to `/v1/status` beyond the ledger's own state: how it reaches the network
 * (so `meshledger invite` can tell the new device the same), and the problems an operator must
 * act on, each coded and with the fix in its message.
 */
import type { MeshledgerError } from '../errors.js'
import type { DaemonConfig } from './config.js'

/** A condition the daemon cannot fix by itself. */
export interface Problem {
  code: string
  /** What is wrong and what to do, `CODE: text`. */
  message: string
}

/** The daemon's part of `/v1/status`. */
export interface DaemonFacts {
  network: { bootstrap: string[] | null, dhtHost: string | null, offline: boolean, lanOnly: boolean }
  problems: Problem[]
}

/** How to get a ledger's encryption key onto a device that joined by key alone. */
export const ENCRYPTION_KEY_FIX = 'use an invite (meshledger invite on an indexer, then meshledger join <code> --data DIR on this device, with a fresh folder), or restart this daemon with --encryption-key KEY'

/** The problem a missing encryption key is (the ledger's `encryption-key-required`), with the daemon's way out. */
export function keyProblem (err: MeshledgerError): Problem {
  return { code: err.code, message: `${err.code}: the ledger is encrypted and this device was not given its encryption key, so it replicates what it cannot read and applies nothing; ${ENCRYPTION_KEY_FIX}` }
}

/** The facts of a daemon running with `config`, with `problems` as it sees them now. */
export function daemonFacts (config: DaemonConfig, problems: Problem[]): DaemonFacts {
  return {
    network: { bootstrap: config.bootstrap, dhtHost: config.dhtHost, offline: config.offline, lanOnly: config.lanOnly },
    problems
  }
}
