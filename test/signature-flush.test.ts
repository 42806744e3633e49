/**
 * A replica commits the indexer's signatures for the nodes it applies in the same flush as them.
 *
 * Autobase 7.28.1 reads an indexer's checkpoint when the indexer's block arrives and assembles the
 * signatures in the background (`ApplyState.maybeSigned`). That pass usually ended while the apply
 * state was being flushed, just after the flush had looked for signatures to commit, so they went
 * in a second flush of the view cores and the store, before the update event: two flushes for every
 * entry a replica received (on a loopback swarm, 4 store reads and a write of the 24 a round trip
 * made). patches/autobase+7.28.1.patch has the flush wait for that pass. Fails on the previous patch.
 */
import test from 'brittle'
import type brittle from 'brittle'
import type { Ledger } from '../src/index.js'
import { create, replicate, until } from './helpers/index.js'

const ENTRIES = 30

interface ApplyState { base: unknown, _flush: (...args: unknown[]) => Promise<void> }

/** Counts the view's flushes on `ledger` (Autobase's ApplyState, internal: what the patch changes). */
function flushCounter (t: brittle.Test, ledger: Ledger): () => number {
  const base = (ledger as unknown as { replica: { base: { _applyState: ApplyState } } }).replica.base
  const proto = Object.getPrototypeOf(base._applyState) as ApplyState
  const flush = proto._flush
  let n = 0
  proto._flush = async function (this: ApplyState, ...args: unknown[]) {
    if (this.base === base) n++
    return await flush.apply(this, args)
  }
  t.teardown(() => { proto._flush = flush })
  return () => n
}

test('a replica flushes once for each entry it receives, signatures included', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  t.teardown(replicate(a, b))
  const first = await a.append({ type: 'note', data: { i: -1 } })
  await until([b], async () => (await b.get(first.id))?.status === 'confirmed')

  const flushes = flushCounter(t, b)
  let last = first.id
  for (let i = 0; i < ENTRIES; i++) {
    const { id } = await a.append({ type: 'note', data: { i } })
    await until([b], async () => (await b.get(id)) !== null)
    last = id
  }
  await until([b], async () => (await b.get(last))?.status === 'confirmed')
  const perEntry = flushes() / ENTRIES
  t.ok(perEntry <= 1.2, `${perEntry.toFixed(2)} view flushes per entry received`)
  t.is((await b.get(last))?.status, 'confirmed', 'the last entry is confirmed on the replica (its signatures committed)')
})
