import test from 'brittle'
import { MAX_ENTRY_BYTES, type Entry, type ErrorCode } from '../src/index.js'
import { create, fails } from './helpers/index.js'

test('append resolves with the stored entry, attributed and addressable', async (t) => {
  const a = await create(t)
  const before = Date.now()
  const entry = await a.append({ type: 'note', data: { text: 'hello' } })
  t.is(entry.writer, a.deviceKey)
  t.is(entry.type, 'note')
  t.alike(entry.data, { text: 'hello' })
  t.ok(entry.timestamp >= before && entry.timestamp <= Date.now())
  t.is(entry.id, `${a.deviceKey}.${entry.seq}.${entry.offset}`)
  t.is(entry.status, 'confirmed', 'a single indexer confirms at once')
  t.alike(await a.get(entry.id), entry)
  t.is(await a.status(entry.id), 'confirmed')
})

test('concurrent appends are group-committed into one block', async (t) => {
  const a = await create(t)
  const blocks = a.stats.appended.blocks
  const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => a.append({ type: 'reading', data: { i } })))
  t.is(a.stats.appended.blocks - blocks, 1, 'one block for 50 concurrent appends')
  t.alike(entries.map((e) => e.offset), Array.from({ length: 50 }, (_, i) => i))
  t.ok(entries.every((e) => e.seq === entries[0].seq))
  for (const e of entries) t.alike((await a.get(e.id))?.data, e.data)
})

test('invalid input is refused with a code and nothing is appended', async (t) => {
  const a = await create(t)
  const length = a.stats.appended.entries
  const cases: Array<[unknown, ErrorCode]> = [
    [null, 'INVALID_ENTRY'],
    [{ data: 1 }, 'INVALID_ENTRY'],
    [{ type: '' }, 'INVALID_ENTRY'],
    [{ type: '9starts-with-digit' }, 'INVALID_ENTRY'],
    [{ type: 'x'.repeat(65) }, 'INVALID_ENTRY'],
    [{ type: 'big', data: 'x'.repeat(MAX_ENTRY_BYTES) }, 'ENTRY_TOO_LARGE'],
    [{ type: 'bigint', data: { n: 10n } }, 'INVALID_ENTRY'],
    [{ type: 'member.add', data: { key: 'nope', role: 'writer' } }, 'INVALID_ENTRY'],
    [{ type: 'member.frobnicate', data: {} }, 'INVALID_ENTRY']
  ]
  for (const [input, code] of cases) {
    const shown = String(JSON.stringify(input, (_k, v: unknown) => typeof v === 'bigint' ? 'n' : v)).slice(0, 40)
    await fails(t, a.append(input as never), code, `${code} for ${shown}`)
  }
  t.is(a.stats.appended.entries, length)
  await fails(t, a.get('not-an-id'), 'INVALID_ID', 'bad id accepted')
  t.is(await a.get(`${a.deviceKey}.999.0`), null)
  await fails(t, a.status(`${a.deviceKey}.999.0`), 'NOT_FOUND', 'unknown entry has a status')
})

test('query reads the type, writer and time indexes', async (t) => {
  const a = await create(t)
  const all: Entry[] = []
  for (let i = 0; i < 30; i++) {
    all.push(await a.append({ type: i % 3 === 0 ? 'inspection' : 'reading', data: { i } }))
  }
  const ids = async (q: Parameters<typeof a.query>[0]): Promise<number[]> => {
    const out: number[] = []
    for await (const e of a.query(q)) out.push((e.data as { i: number }).i)
    return out
  }
  const inspections = await ids({ type: 'inspection' })
  t.alike(inspections, [0, 3, 6, 9, 12, 15, 18, 21, 24, 27])
  t.alike(await ids({ type: 'inspection', limit: 2, reverse: true }), [27, 24])
  t.is((await ids({ writer: a.deviceKey })).length, 32, 'the 30 entries and the genesis block\'s member.add and ledger.protocol')
  const mid = all[10].timestamp
  const since = await ids({ since: mid, type: 'reading' })
  t.ok(since.every((i) => all[i].timestamp >= mid))
  const until = await ids({ until: mid, type: 'reading' })
  t.ok(until.every((i) => all[i].timestamp < mid))
  t.is(since.length + until.length, 20, 'since and until split the range')
  t.is((await ids({ type: 'nothing' })).length, 0)
  t.is((await ids({ limit: 0 })).length, 0)
})
