/**
 * Seeded randomness and full syncs for property tests.
 */
import type { Ledger } from '../../src/index.js'
import { replicate, until } from './index.js'
import { history } from './internals.js'

/** mulberry32: a small seeded PRNG returning [0, 1). */
export function rng (seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296
  }
}

/** Connect `peers` in a chain until they all hold the same causal history, then disconnect. */
export async function sync (peers: Ledger[]): Promise<void> {
  const stops: Array<() => void> = []
  for (let i = 1; i < peers.length; i++) stops.push(replicate(peers[i - 1], peers[i]))
  await until(peers, async () => {
    await Promise.all(peers.map((p) => p.update()))
    const first = history(peers[0])
    return peers.every((p) => history(p) === first && p.length === peers[0].length)
  })
  for (const stop of stops) stop()
}

/** Fresh observers that receive the members' logs one member at a time, in a random order each. */
export async function observe (observers: Ledger[], members: Ledger[], random: () => number): Promise<void> {
  for (const o of observers) {
    const order = [...members].sort(() => random() - 0.5)
    for (const m of order) await sync([o, m])
  }
}
