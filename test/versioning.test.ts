import { once } from 'node:events'
import test from 'brittle'
import type { MeshledgerError } from '../src/index.js'
import type Autobase from 'autobase'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { createApply } from '../src/apply/router.js'
import { encodeBlock, PROTOCOL_VERSION } from '../src/protocol/ops.js'
import { create, tmp, fails } from './helpers/index.js'
import { appendOps, appendRaw } from './helpers/internals.js'
import { blockKey } from '../src/protocol/view-layout.js'

// Protocol 4 changed these on purpose (issue 11): a block stamped above the ledger's active
// protocol is rejected (any writer could otherwise stop every peer for good); only an activation
// of a protocol this code does not know stops apply. See test/protocol-activation.test.ts.
test('an activated protocol newer than this code stops apply with UPGRADE_REQUIRED instead of guessing', async (t) => {
  const a = await create(t)
  const before = await a.append({ type: 'note', data: 'understood' })
  const upgrade = once(a, 'upgrade-required') as Promise<[MeshledgerError]>
  // What an indexer running newer code writes: the activation, stamped with the op's protocol.
  await appendOps(a, [{ t: 'ledger.protocol', d: { version: PROTOCOL_VERSION + 1 } }])
  const [err] = await upgrade
  t.is(err.code, 'UPGRADE_REQUIRED')
  t.is(a.writable, false)
  await fails(t, a.append({ type: 'note' }), 'UPGRADE_REQUIRED', 'appended after the interrupt')
  t.alike((await a.get(before.id))?.data, 'understood', 'what was applied before is still readable')
  t.is((await a.protocol()).active, PROTOCOL_VERSION + 1)
})

test('apply rejects a block above the active protocol, and interrupts after an unknown activation writing nothing for that batch', async (t) => {
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
  const node = (length: number, value: Buffer): Autobase.Node => ({ value, from: { key: writer }, length, indexed: false } as unknown as Autobase.Node)
  const ok = node(1, encodeBlock([{ t: 'note', s: 1, d: 'v1' }]).bytes)
  const newer = node(2, Buffer.from(JSON.stringify({ p: PROTOCOL_VERSION + 1, o: [{ t: 'x', s: 1, d: 1 }] })))
  await apply([ok, newer], bee, host)
  t.is(interrupts.length, 0, 'a block above the active protocol stops nothing')
  const refused = JSON.parse(((await bee.get(blockKey(writer, 1)))?.value ?? Buffer.from('{}')).toString())
  t.is(refused.x?.code, 'PROTOCOL_NOT_ACTIVE')
  const activation = node(3, encodeBlock([{ t: 'ledger.protocol', s: 1, d: { version: PROTOCOL_VERSION + 1 } }]).bytes)
  await apply([activation], bee, host)
  t.is(interrupts.length, 0, 'the activation itself is applied')
  const length = bee.core.length
  await apply([node(4, ok.value as Buffer), node(5, newer.value as Buffer)], bee, host)
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
