import { once } from 'node:events'
import test from 'brittle'
import type { MeshledgerError } from '../src/index.js'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { createApply } from '../src/apply.js'
import { encodeBlock, PROTOCOL_VERSION } from '../src/ops.js'
import { create, tmp, fails } from './helpers.js'
import { appendRaw } from './internals.js'

test('a block of a newer protocol stops apply with UPGRADE_REQUIRED instead of guessing', async (t) => {
  const a = await create(t)
  const before = await a.append({ type: 'note', data: 'understood' })
  const upgrade = once(a, 'upgrade-required') as Promise<[MeshledgerError]>
  // What a newer device would write. Apply meets it and stops (the raw append call then fails).
  await appendRaw(a, Buffer.from(JSON.stringify({ p: 99, o: [{ t: 'teleport', s: 1, d: {} }] }))).catch(() => {})
  const [err] = await upgrade
  t.is(err.code, 'UPGRADE_REQUIRED')
  t.is(a.writable, false)
  await fails(t, a.append({ type: 'note' }), 'UPGRADE_REQUIRED', 'appended after the interrupt')
  t.alike((await a.get(before.id))?.data, 'understood', 'what was applied before is still readable')
})

test('apply interrupts on an unknown protocol and writes nothing for that batch', async (t) => {
  const store = new Corestore(await tmp(t))
  t.teardown(() => store.close())
  const bee = new Hyperbee(store.get({ name: 'view' }), { keyEncoding: 'binary', valueEncoding: 'binary' })
  await bee.ready()
  const writer = Buffer.alloc(32, 7)
  const interrupts: unknown[] = []
  const host = {
    addWriter: async () => {},
    removeWriter: async () => {},
    removeable: () => true,
    interrupt: (reason?: unknown) => { interrupts.push(reason) }
  }
  const apply = createApply(() => writer)
  const ok = { value: encodeBlock([{ t: 'note', s: 1, d: 'v1' }]).bytes, from: { key: writer }, length: 1, indexed: false }
  const newer = { value: Buffer.from(JSON.stringify({ p: PROTOCOL_VERSION + 1, o: [{ t: 'x', s: 1, d: 1 }] })), from: { key: writer }, length: 2, indexed: false }
  await apply([ok], bee, host)
  const length = bee.core.length
  await apply([ok, newer], bee, host)
  t.is(interrupts.length, 1)
  t.is((interrupts[0] as { code: string }).code, 'UPGRADE_REQUIRED')
  t.is(bee.core.length, length, 'the interrupted batch wrote nothing')
})

test('watch filters by type and writer', async (t) => {
  const a = await create(t)
  const watcher = a.watch({ type: 'reading' })
  const got: unknown[] = []
  const done = (async () => {
    for await (const ev of watcher) {
      if (ev.type === 'entry') got.push(ev.entry.data)
      if (got.length === 2) break
    }
  })()
  await a.append({ type: 'note', data: 'skip' })
  await a.append({ type: 'reading', data: 1 })
  await a.append({ type: 'note', data: 'skip' })
  await a.append({ type: 'reading', data: 2 })
  await done
  t.alike(got, [1, 2])
})

test('fork.* means what protocol 3 says only in protocol-3 blocks: before, a plain entry', async (t) => {
  const a = await create(t)
  t.is(encodeBlock([{ t: 'fork.evidence', s: 1, d: {} }, { t: 'note', s: 1, d: 1 }]).protocol, 3, 'a block with fork evidence is stamped 3')
  t.is(encodeBlock([{ t: 'note', s: 1, d: 1 }]).protocol, 1, 'a block of plain entries stays readable by every version')
  // What a protocol-2 device may have written, when fork. was no one's prefix.
  const seq = await appendRaw(a, Buffer.from(JSON.stringify({ p: 2, o: [{ t: 'fork.evidence', s: 1, d: { any: 'thing' } }] })))
  const entry = await a.get(`${a.deviceKey}.${seq}.0`)
  t.ok(entry !== null && entry.status !== 'rejected', 'applied as a plain entry')
  t.alike(entry?.data, { any: 'thing' })
  await fails(t, a.append({ type: 'fork.other', data: 1 }), 'INVALID_ENTRY', 'the prefix is reserved from protocol 3')
})
