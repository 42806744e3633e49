/**
 * An idle daemon does not keep the young generation V8 grew while it loaded its modules: at its
 * `ready` line the new space is back near V8's initial size (src/replica/settle-heap.ts), where
 * without the memory-reducing GC it stays at its maximum (16 MiB here) until V8's memory reducer
 * runs, about 10 s later. Read from the daemon's own heap-space gauge, not from RSS.
 */
import { spawnSync } from 'node:child_process'
import test from 'brittle'
import { spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

const NEW_SPACE = 'nodejs_heap_space_size_total_bytes{space="new"}'

/** The new space of a fresh `node` on this machine: V8's initial young generation. */
function initialNewSpace (): number {
  const run = spawnSync(process.execPath, ['-p', 'require("v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size'], { encoding: 'utf8' })
  return Number(run.stdout.trim())
}

test('at ready, the daemon\'s young generation is back near its initial size', async (t) => {
  const initial = initialNewSpace()
  t.ok(initial > 0, `a fresh node starts with ${initial} bytes of new space`)
  const d = await spawnDaemon(t, await tmp(t))
  const text = (await d.api('GET', '/metrics')).body as string
  const line = text.split('\n').find((l) => l.startsWith(NEW_SPACE + ' '))
  t.ok(line !== undefined, 'the new space gauge is exported')
  const size = Number(line?.slice(NEW_SPACE.length + 1))
  // One scavenge while the scrape runs may double it once; start-up left it at the maximum.
  t.ok(size <= 2 * initial, `new space ${size} bytes at the first scrape (initial ${initial})`)
})
