import test from 'brittle'
import { Upkeep } from '../src/replica/upkeep.js'

/** A pass that counts its runs and can be held open. */
function counter (): { runs: number[], hold: () => () => void, pass: () => Promise<void> } {
  const runs: number[] = []
  let gate: Promise<void> | null = null
  return {
    runs,
    hold: () => {
      let release = (): void => {}
      gate = new Promise<void>((resolve) => { release = resolve })
      return () => { gate = null; release() }
    },
    pass: async () => {
      runs.push(performance.now())
      await gate
    }
  }
}

test('a burst of updates is one pass after the update, and one more for those during it', async (t) => {
  const c = counter()
  const upkeep = new Upkeep(c.pass, 40)
  t.teardown(() => upkeep.close())
  for (let i = 0; i < 100; i++) upkeep.poke()
  t.is(c.runs.length, 0, 'not inside the update itself')
  await new Promise((resolve) => setImmediate(resolve))
  t.is(c.runs.length, 1, 'the first pass starts on the next turn of the loop')
  const release = c.hold()
  upkeep.poke() // during a pass: folded into one more
  upkeep.poke()
  release()
  while (c.runs.length < 2) await new Promise((resolve) => setTimeout(resolve, 5))
  t.ok(c.runs[1] - c.runs[0] >= 40, `the next pass is spaced (${Math.round(c.runs[1] - c.runs[0])} ms)`)
  await new Promise((resolve) => setTimeout(resolve, 80))
  t.is(c.runs.length, 2, 'no pass without an update')
})

test('a wall clock stepped back does not hold the upkeep (passes are spaced on the monotonic clock)', async (t) => {
  const c = counter()
  const upkeep = new Upkeep(c.pass, 40)
  t.teardown(() => upkeep.close())
  upkeep.poke()
  await new Promise((resolve) => setImmediate(resolve))
  t.is(c.runs.length, 1, 'the first pass ran')
  const now = Date.now
  Date.now = () => now() - 3_600_000 // NTP steps the clock back an hour
  try {
    upkeep.poke()
    const until = performance.now() + 1000
    while (c.runs.length < 2 && performance.now() < until) await new Promise((resolve) => setTimeout(resolve, 5))
  } finally {
    Date.now = now
  }
  t.is(c.runs.length, 2, 'the next pass ran within a second')
  t.ok(c.runs[1] - c.runs[0] >= 40, `and was spaced (${Math.round(c.runs[1] - c.runs[0])} ms)`)
})

test('close waits for a running pass and schedules nothing after it', async (t) => {
  const c = counter()
  const upkeep = new Upkeep(c.pass, 10)
  const release = c.hold()
  upkeep.poke()
  await new Promise((resolve) => setImmediate(resolve))
  upkeep.poke()
  let closed = false
  const closing = upkeep.close().then(() => { closed = true })
  await new Promise((resolve) => setTimeout(resolve, 20))
  t.absent(closed, 'still running')
  release()
  await closing
  upkeep.poke()
  await new Promise((resolve) => setTimeout(resolve, 30))
  t.is(c.runs.length, 1, 'nothing ran after close')
})
