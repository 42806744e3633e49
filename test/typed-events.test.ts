/**
 * Ledger events are typed (LedgerEvents): checked by the compiler, since tsc runs before the suite.
 */
import test from 'brittle'
import type { Ledger, SwarmKey } from '../src/index.js'

test('types: ledger events are typed; a made-up event name does not compile', (t) => {
  // Never called: what matters is that this compiles (tsc runs before the suite).
  const check = (ledger: Ledger): void => {
    ledger.on('peer-add', (peer) => { peer.publicKey satisfies SwarmKey })
    ledger.once('fault', (err) => { err satisfies Error })
    // @ts-expect-error: there is no such event
    ledger.on('peer-added', () => {})
    // @ts-expect-error: a fork report is not a string
    ledger.on('fork', (report: string) => { void report })
  }
  t.is(typeof check, 'function')
})
