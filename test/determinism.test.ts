/**
 * Property: whatever order the ops reach peers in, every peer ends with the same view hash.
 * Each run (seeded) builds a random causal history: three members write valid ops, forged
 * membership ops and malformed blocks while syncing in random pairs, and one is removed mid-way.
 * Then fresh observers receive the logs in random orders. Once every peer holds the same logs,
 * every view must hash the same.
 */
import test from 'brittle'
import { create } from './helpers/index.js'
import { appendOps, appendRaw } from './helpers/internals.js'
import { observe, rng, sync } from './helpers/random.js'

const RUNS = Number(process.env.DETERMINISM_RUNS ?? 8)
const STEPS = 30

for (let run = 1; run <= RUNS; run++) {
  test(`determinism: random causal orders give one view hash (seed ${run})`, async (t) => {
    const random = rng(run * 7919)
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
    const quiet = { ackInterval: 1 << 30 } // no background acks: the history is exactly the ops below
    const a = await create(t, quiet)
    const b = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
    const c = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
    await a.addMember(b.deviceKey, { role: 'writer' })
    await a.addMember(c.deviceKey, { role: 'indexer' })
    await sync([a, b, c])
    const members = [a, b, c]
    let removed = false

    for (let step = 0; step < STEPS; step++) {
      const r = random()
      const who = pick(members)
      if (r < 0.25) {
        const [x, y] = [pick(members), pick(members)]
        if (x !== y) await sync([x, y])
      } else if (r < 0.3 && !removed && who !== b) {
        removed = true
        await who.removeMember(b.deviceKey).catch(() => {}) // refused locally if who is not an indexer
      } else if (r < 0.36) {
        await appendRaw(who, Buffer.from(`garbage ${step}`)).catch(() => {})
      } else if (r < 0.42) {
        await appendOps(who, [{ t: 'member.add', d: { key: pick(members).deviceKey, role: 'indexer' } }]).catch(() => {})
      } else {
        const n = 1 + Math.floor(random() * 4)
        await Promise.all(Array.from({ length: n }, (_, i) => who.append({ type: pick(['note', 'reading']), data: { step, i } }).catch(() => {})))
      }
    }

    const observers = [await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey }), await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })]
    await observe(observers, members, random)
    const all = [...members, ...observers]
    await sync(all)
    const hashes = await Promise.all(all.map((l) => l.hash()))
    t.ok(hashes.every((h) => h === hashes[0]), `${all.length} peers, one view hash ${hashes[0].slice(0, 12)} at length ${a.length}`)
    const rejected = await Promise.all(all.map(async (l) => (await l.members({ all: true })).map((m) => `${m.key}:${m.role}:${m.removedAt ?? ''}`).join()))
    t.ok(rejected.every((m) => m === rejected[0]), 'one membership history')
  })
}
