/**
 * Property: random mints, transfers (many of them overdrafts, forced past local checks), toll
 * passes charging through a rule, readings tripping a rule, and asset handovers, written by three
 * devices that sync in random pairs and delivered to observers in random orders, end with one view
 * hash on every peer, no negative balance, and total balances equal to the total minted.
 */
import test from 'brittle'
import type { Ledger } from '../src/index.js'
import { create } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'
import { observe, rng, sync } from './helpers/random.js'

const RUNS = Number(process.env.SEMANTICS_RUNS ?? 5)
const STEPS = 40

for (let run = 1; run <= RUNS; run++) {
  test(`semantics: random money, assets and rules converge without overdraft (seed ${run})`, async (t) => {
    const random = rng(run * 104729)
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
    const amount = (max: number): number => 1 + Math.floor(random() * max)
    const quiet = { ackInterval: 1 << 30 }
    const op = await create(t, quiet)
    const b = await create(t, { ...quiet, key: op.key, encryptionKey: op.encryptionKey })
    const c = await create(t, { ...quiet, key: op.key, encryptionKey: op.encryptionKey })
    const members = [op, b, c]
    await op.addMember(b.deviceKey)
    // One indexer on odd seeds, two on even ones: a single-indexer fleet met one device at a time
    // is the case that stalled with Autobase fast-forward on (before the autobase patch).
    await op.addMember(c.deviceKey, { role: run % 2 === 0 ? 'indexer' : 'writer' })
    await op.append({ type: 'account.open', data: { account: 'fleet', holders: [b.deviceKey, c.deviceKey] } })
    await op.addRule({ id: 'toll', when: { type: 'asset.event', kind: 'toll' }, then: [{ do: 'transfer', from: '$owner', to: '$writer', amount: 2 }] })
    await op.addRule({ id: 'hot', when: { type: 'telemetry.record', where: { field: 'value', op: 'gt', value: 8 } }, then: [{ do: 'asset.flag', reason: 'hot' }, { do: 'alert', message: 'hot' }] })
    await sync(members)
    for (const m of [b, c]) {
      await m.append({ type: 'asset.register', data: { id: `car-${m === b ? 'b' : 'c'}`, kind: 'vehicle' } })
      await m.append({ type: 'account.authorise', data: { rule: 'toll', max: 5 } })
    }
    await sync(members)
    const accounts = [op.deviceKey, b.deviceKey, c.deviceKey, 'fleet']
    const cars = ['car-b', 'car-c']

    for (let step = 0; step < STEPS; step++) {
      const r = random()
      const who = pick(members)
      const quietly = async (p: Promise<unknown>): Promise<void> => { await p.catch(() => {}) }
      if (r < 0.2) {
        const [x, y] = [pick(members), pick(members)]
        if (x !== y) await sync([x, y])
      } else if (r < 0.3) {
        await quietly(op.mint(pick(accounts), amount(40)))
      } else if (r < 0.6) {
        const from = who !== op && random() < 0.4 ? 'fleet' : who.deviceKey
        const d = { from, to: pick(accounts), amount: amount(30) }
        // Half go through local checks; half are forced, as from a device that saw an older view.
        if (random() < 0.5) await quietly(who.transfer(d))
        else await quietly(appendOps(who, [{ t: 'transfer', d }]))
      } else if (r < 0.72) {
        await quietly(appendOps(who, [{ t: 'asset.event', d: { id: pick(cars), kind: 'toll', data: { step } } }]))
      } else if (r < 0.84) {
        await quietly(who.record('temp', Math.round(random() * 120) / 10, { asset: pick(cars) }))
      } else if (r < 0.9) {
        await quietly(appendOps(who, [{ t: 'asset.transfer', d: { id: pick(cars), to: pick(members).deviceKey } }]))
      } else {
        const n = 1 + Math.floor(random() * 3)
        await Promise.all(Array.from({ length: n }, async () => await quietly(who.transfer({ to: pick(accounts), amount: amount(10) }))))
      }
    }

    const observers = [await create(t, { ...quiet, key: op.key, encryptionKey: op.encryptionKey }), await create(t, { ...quiet, key: op.key, encryptionKey: op.encryptionKey })]
    await observe(observers, members, random)
    const all: Ledger[] = [...members, ...observers]
    await sync(all)
    const hashes = await Promise.all(all.map((l) => l.hash()))
    t.ok(hashes.every((h) => h === hashes[0]), `${all.length} peers, one view hash at length ${op.length}`)
    for (const l of all) {
      const balances = await Promise.all(accounts.map((a) => l.balance(a)))
      const supply = await l.supply()
      if (!balances.every((x) => x >= 0) || balances.reduce((x, y) => x + y, 0) !== supply) {
        t.fail(`balances ${balances.join(',')} vs supply ${supply}`)
        return
      }
    }
    t.pass(`no negative balance; balances sum to the supply (${await op.supply()}) on every peer`)
  })
}
