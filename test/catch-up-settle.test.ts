/**
 * A replica that caught up (here: a gateway merging offline writers) gives back the young
 * generation once it goes quiet (src/replica/catch-up-settle.ts): one memory-reducing GC, said by
 * `heap-settled` and counted in `stats.heapSettles`, after which V8's new space is back near its
 * initial size. A full GC alone keeps it at its maximum.
 */
import { spawnSync } from 'node:child_process'
import { once } from 'node:events'
import v8 from 'node:v8'
import test from 'brittle'
import { mergeFleet, offlineFleet } from './helpers/fleet.js'
import { Ledger } from '../src/index.js'
import { create } from './helpers/index.js'

const WRITERS = 3
const EACH = 10

function newSpace (): number {
  return v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0
}

/** The new space of a fresh `node` on this machine: V8's initial young generation. */
function initialNewSpace (): number {
  const run = spawnSync(process.execPath, ['-p', 'require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size'], { encoding: 'utf8' })
  return Number(run.stdout.trim())
}

/** Objects that survive scavenges make V8 grow the young generation, as a catch-up's work does. */
function growYoungGeneration (): number {
  const kept: Array<{ i: number }> = []
  for (let i = 0; i < 2_000_000; i++) kept.push({ i })
  kept.length = 0
  return newSpace()
}

test('after a catch-up goes quiet, the replica gives back the young generation', { timeout: 120_000 }, async (t) => {
  const initial = initialNewSpace()
  // Above the gateway's own admissions, below the merge's blocks.
  const gateway = await create(t, { catchUpSettle: { blocks: 20, idleMs: 100 } })
  const fleet = await offlineFleet(t, gateway, WRITERS, EACH)
  t.is(gateway.stats.heapSettles, 0, 'no settle for the admissions alone')

  const grown = growYoungGeneration()
  t.ok(grown > 2 * initial, `the young generation grew to ${grown} bytes (initial ${initial})`)
  const settled = once(gateway, 'heap-settled')
  await mergeFleet(t, gateway, fleet, EACH)
  await settled

  t.is(gateway.stats.heapSettles, 1, 'one settle for the catch-up')
  const size = newSpace()
  t.ok(size <= 2 * initial, `new space ${size} bytes after the settle (initial ${initial})`)
})

test('a bad catchUpSettle option is INVALID_OPTION', async (t) => {
  for (const bad of [{ blocks: -1 }, { blocks: 1.5 }, { idleMs: 0 }, { idleMs: Number.NaN }, 'often']) {
    const err = (() => { try { return new Ledger({ storage: '/nonexistent-never-opened', catchUpSettle: bad as never }) } catch (e) { return e } })()
    t.is((err as { code?: string }).code, 'INVALID_OPTION', `catchUpSettle ${JSON.stringify(bad)}`)
  }
})
