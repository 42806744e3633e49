/**
 * Property: random concurrent transfers (overdrafts, duplicate refs, unknown accounts, spends from
 * accounts the writer does not hold), many in flight at once so they share blocks, half of them
 * forced past the local checks, written by two devices that sync at random, end with one view hash
 * on both and on an observer fed their logs in a random order; no balance is ever negative in the
 * view's history, balances sum to the supply minted, and every account's history adds up to its
 * balance. On protocol 4 (the first layout) and 6 (money per node).
 */
import test from 'brittle'
import { isMeshledgerError } from '../src/index.js'
import { create } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'
import { allTransfers, balanceHistory, expected } from './helpers/money.js'
import { observe, rng, sync } from './helpers/random.js'

const RUNS = Number(process.env.TRANSFER_RUNS ?? 2)
const ROUNDS = 5
const IN_FLIGHT = 24
const REFUSALS = ['INSUFFICIENT_FUNDS', 'UNKNOWN_ACCOUNT', 'DUPLICATE_REF', 'NOT_AUTHORISED', 'INVALID_ENTRY']

for (const protocol of [4, 6]) {
  for (let run = 1; run <= RUNS; run++) {
    test(`transfers: random concurrent transfers converge without overdraft (protocol ${protocol}, seed ${run})`, async (t) => {
      const random = rng(run * 7919 + protocol)
      const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
      const quiet = { ackInterval: 1 << 30 }
      const a = await create(t, { ...quiet, protocol })
      const b = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
      const devices = [a, b]
      await a.addMember(b.deviceKey)
      const pools = ['pool-0', 'pool-1']
      for (const account of pools) await a.append({ type: 'account.open', data: { account, holders: [a.deviceKey, b.deviceKey] } })
      const accounts = [...pools, a.deviceKey, b.deviceKey]
      for (const account of accounts) await a.mint(account, 50 + Math.floor(random() * 100))
      await sync(devices)

      let refused = 0
      for (let round = 0; round < ROUNDS; round++) {
        await Promise.all(devices.map(async (who) => {
          const forced: Array<{ t: string, d: unknown }> = []
          const local: Array<Promise<void>> = []
          for (let i = 0; i < IN_FLIGHT; i++) {
            const d: Record<string, unknown> = {
              from: random() < 0.5 ? pick(pools) : pick(accounts),
              to: random() < 0.1 ? 'ghost' : pick(accounts),
              amount: 1 + Math.floor(random() * 60)
            }
            if (random() < 0.3) d.ref = `r${Math.floor(random() * 6)}`
            if (random() < 0.5) {
              forced.push({ t: 'transfer', d })
              continue
            }
            local.push(who.transfer(d as { from: string, to: string, amount: number }).then(() => {}, (err: unknown) => {
              if (!isMeshledgerError(err) || !REFUSALS.includes(err.code)) throw err
              refused++
            }))
          }
          if (who === a && random() < 0.5) local.push(a.mint(pick(accounts), 1 + Math.floor(random() * 20)).then(() => {}))
          // Forced ops travel as one block, past the local checks, as from a device that saw an older view.
          await Promise.all([...local, appendOps(who, forced)])
        }))
        if (random() < 0.6) await sync(devices)
      }
      await sync(devices)

      const hash = await a.hash()
      t.is(await b.hash(), hash, 'both devices hold one view')
      const observer = await create(t, { ...quiet, key: a.key, encryptionKey: a.encryptionKey })
      await observe([observer], devices, random)
      t.is(await observer.hash(), hash, 'an observer fed the logs in a random order holds it too')

      const supply = await a.supply()
      let total = 0
      for (const account of accounts) {
        const balance = await a.balance(account)
        total += balance
        let net = 0
        for await (const x of a.transfers({ account })) net += x.to === account ? x.amount : -x.amount
        t.is(net, balance, `${account.slice(0, 8)}: history adds up to its balance`)
      }
      t.is(total, supply, 'balances sum to the supply')
      t.is(await a.balance('ghost'), 0)
      const history = await balanceHistory(a)
      t.ok([...history.values()].every((values) => values.every((v) => Number.isSafeInteger(v) && v >= 0)), 'no balance the view ever held is negative')
      const moved = (await allTransfers(a)).filter((x) => x.from !== null).length
      t.comment(`${moved} transfers applied, ${refused} refused locally`)
      t.ok(moved > 20 && refused > 10, 'the run moved money and was refused some')
      for (const account of [undefined, ...accounts]) {
        const all = await allTransfers(a, account)
        for (const q of [{}, { reverse: true }, { limit: 5 }, { reverse: true, limit: 5 }]) {
          const got = []
          for await (const x of a.transfers({ ...q, account })) got.push(x)
          t.alike(got, expected(all, q), `transfers(${JSON.stringify({ ...q, account: account?.slice(0, 8) })}) reads the view's records`)
        }
      }
    })
  }
}
