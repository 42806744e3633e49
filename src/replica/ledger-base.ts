/**
 * The Autobase of a ledger on one store: binary blocks from every member's log, applied by the
 * deterministic router into one Hyperbee view, with the options a replica opens it with.
 */
import Autobase from 'autobase'
import type Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { createApply } from '../apply/router.js'

/** How a replica opens its base. */
export interface LedgerBaseOptions {
  /** Autobase's fast-forward (off unless asked for). */
  fastForward: boolean
  /** Encrypt a new ledger. */
  encrypt: boolean
  encryptionKey: Buffer | null
  /** 0: never ack. */
  ackInterval: number
  /** Told how many blocks each apply call applies (blocks applied again after a reorder count again). */
  applied: (blocks: number) => void
}

/** The ledger `key` (null: a new one) on `store`; not ready yet. */
export function createLedgerBase (store: Corestore, key: Buffer | null, opts: LedgerBaseOptions): Autobase<Hyperbee> {
  const base: Autobase<Hyperbee> = new Autobase<Hyperbee>(store, key, {
    valueEncoding: 'binary',
    // Off by default: with fast-forward a replica fed one device at a time could stall for good
    // with a single indexer (it never woke the writers whose newest blocks no indexer node
    // referenced yet). Reproduced in the semantics property test; off, every seed converged.
    fastForward: opts.fastForward,
    encrypt: opts.encrypt,
    encryptionKey: opts.encryptionKey,
    ackInterval: opts.ackInterval,
    open: (viewStore) => new Hyperbee(viewStore.get('view'), { keyEncoding: 'binary', valueEncoding: 'binary', extension: false }),
    apply: createApply((): Buffer => base.key, opts.applied),
    close: (view) => view.close()
  })
  return base
}
