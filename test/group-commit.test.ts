import test from 'brittle'
import { MAX_ENTRY_BYTES } from '../src/index.js'
import { MAX_BLOCK_BYTES, encodeOp } from '../src/protocol/ops.js'
import { encodeData } from '../src/protocol/data-check.js'
import { create } from './helpers/index.js'

test('an op encoded with its data encoded already is the same bytes as encoded whole', (t) => {
  for (const d of [null, 0, -0, 1.5e300, 'é\u2028\ud800"\\', [1, { b: 2, a: [true] }], { 10: 1, 2: 2, x: undefined, y: 'z' }]) {
    const op = { t: 'note:x', s: 1700000000000, d }
    const checked = encodeData(d)
    if ('code' in checked) throw new Error(checked.reason)
    t.is(encodeOp({ ...op, d: checked.data }, checked.json), encodeOp(op), JSON.stringify(d))
  }
})

test('multi-byte entries near the size limit are packed by bytes: every acknowledged one is in the ledger', async (t) => {
  const a = await create(t)
  // '€' is 3 bytes in UTF-8 and 1 UTF-16 unit: 48 of these are ~3 MiB, one block would be refused.
  const data = '€'.repeat(Math.floor((MAX_ENTRY_BYTES - 2) / 3) - 5)
  t.ok(Buffer.byteLength(JSON.stringify(data)) <= MAX_ENTRY_BYTES && 48 * data.length < MAX_BLOCK_BYTES, 'the shape that used to fit one block by length')
  const blocks = a.stats.appended.blocks
  const entries = await Promise.all(Array.from({ length: 48 }, () => a.append({ type: 'note', data })))
  t.ok(a.stats.appended.blocks - blocks >= 3, `split into ${a.stats.appended.blocks - blocks} blocks`)
  t.ok(entries.every((e) => e.status === 'confirmed'), 'every append answered confirmed')
  let found = 0
  for (const e of entries) {
    const stored = await a.get(e.id)
    if (stored?.status === 'confirmed' && stored.data === data) found++
  }
  t.is(found, 48, 'every acknowledged entry is in the view, as acknowledged')
  let queried = 0
  for await (const e of a.query({ type: 'note' })) if (e.status === 'confirmed') queried++
  t.is(queried, 48, 'and the query finds them all')
})

test('callers that come back one by one, as HTTP clients do, still fill their blocks', async (t) => {
  const a = await create(t, { durable: true })
  const CALLERS = 64
  const ROUNDS = 20
  const { entries, blocks } = a.stats.appended
  // Each caller appends again in a turn of the event loop of its own (an HTTP client's next
  // request is read in one), never in the microtasks of the answer before.
  await Promise.all(Array.from({ length: CALLERS }, async () => {
    for (let i = 0; i < ROUNDS; i++) {
      await a.append({ type: 'note', data: i })
      await new Promise((resolve) => setImmediate(resolve))
    }
  }))
  const written = a.stats.appended.entries - entries
  const used = a.stats.appended.blocks - blocks
  t.is(written, CALLERS * ROUNDS)
  // Written at once, each block took the callers back so far and the rest made the next: two
  // blocks a round for good (40 here). Waiting for the round: one block a round, a few more.
  t.ok(used <= ROUNDS * 1.25, `${written} entries in ${used} blocks (${(written / used).toFixed(1)} a block)`)
})
