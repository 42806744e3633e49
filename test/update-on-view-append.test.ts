/**
 * A ledger announces `update` as soon as its view holds new entries (replica.ts `viewAppended`),
 * not only at the end of Autobase's pass. On a follower that pass goes on, after the flush that
 * committed the view, to a second flush committing the indexers' signatures (2-7 ms of the ~10 a
 * propagated entry spends on the device that receives it), and Autobase's `update` waits for it.
 */
import test from 'brittle'
import { followerPair } from './helpers/index.js'
import { baseOf } from './helpers/internals.js'

test('a follower hears of an entry once its view holds it, before Autobase\'s update for it', { timeout: 120_000 }, async (t) => {
  const { a, b } = await followerPair(t)

  const base = baseOf(b)
  // The view length Autobase had announced when each of the ledger's updates fired. Prepended:
  // the ledger's own listener on Autobase's update must not run before this one records it.
  let announced = base.view.core.length
  base.prependListener('update', () => { announced = base.view.core.length })
  const early: boolean[] = []
  for (let n = 0; n < 5; n++) {
    // A writes nothing else, so the first update at which B's view is longer is this entry's.
    const before = base.view.core.length
    const grew = new Promise<void>((resolve) => {
      const onupdate = (): void => {
        const length = base.view.core.length
        if (length <= before) return
        early.push(announced < length)
        b.off('update', onupdate)
        resolve()
      }
      b.on('update', onupdate)
    })
    const { id } = await a.append({ type: 'note', data: { n } })
    await grew
    t.ok((await b.get(id)) !== null, `entry ${n} is in the view that grew`)
  }
  t.alike(early, [true, true, true, true, true], `each of the 5 entries was announced before Autobase's update for it (${JSON.stringify(early)})`)
})
