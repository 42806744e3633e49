/**
 * A device closes at once even when what it runs in the background waits for view blocks no peer
 * will serve any more. A fast-forwarded device holds its view sparse: the upkeep pass (the protocol
 * check, the member scan) and a caller's read wait for blocks that only a peer has. Its only peer
 * leaves right after the jump; `close()` used to await those reads, which never end (seen on a
 * fresh clone's CI as a teardown that never finished).
 */
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { signedFleet } from './helpers/fleet.js'
import { replicate, tmp, within } from './helpers/index.js'
import { nextFastForward } from './helpers/internals.js'

const WRITERS = 8
const EACH = 20

/** Longest a close may take, ms: a close waits for local work only. */
const CLOSE_MS = 10_000

test('a fast-forwarded device whose only peer left before its view was local closes at once', { timeout: 120_000 }, async (t) => {
  const { gateway, fleet } = await signedFleet(t, WRITERS, EACH)

  const d = new Ledger({ storage: await tmp(t), swarm: false, ackInterval: 50, key: gateway.key, encryptionKey: gateway.encryptionKey })
  await d.ready()
  const jumped = nextFastForward(d)
  const stop = replicate(gateway, d)
  await jumped
  stop()
  // A read of the oldest entry, a caller's update (its member scan) and the upkeep pass the jump
  // started: each reads view blocks not here yet.
  const outcome = (p: Promise<unknown>): Promise<string> => p.then(() => 'answered', (err: { code?: string }) => err.code ?? 'failed')
  const read = outcome(d.get(`${fleet.keys[0]}.0.0`))
  const updated = outcome(d.update())
  await new Promise((resolve) => setTimeout(resolve, 200))
  t.ok(await within(CLOSE_MS, d.close()), `closed within ${CLOSE_MS} ms`)
  t.ok(await within(CLOSE_MS, Promise.all([read, updated])), 'the pending read and update ended too')
  const ended = await read
  t.ok(ended === 'answered' || ended === 'LEDGER_CLOSED', `the read was answered or failed LEDGER_CLOSED (${ended})`)
  t.is(await updated, 'answered', 'the update resolved')
})
