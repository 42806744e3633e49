import { spawn } from 'node:child_process'
import { once } from 'node:events'
import test from 'brittle'
import { Ledger } from '../src/index.js'
import { create, replicate, tmp, until, fails } from './helpers/index.js'

test('close and reopen keeps identity, entries and membership', async (t) => {
  const dirA = await tmp(t)
  const dirB = await tmp(t)
  let a = new Ledger({ storage: dirA, swarm: false })
  await a.ready()
  let b = new Ledger({ storage: dirB, swarm: false, key: a.key, encryptionKey: a.encryptionKey })
  await b.ready()
  let stop = replicate(a, b)
  await a.addMember(b.deviceKey)
  await until([b], () => b.writable)
  const entries = await Promise.all([1, 2, 3].map((i) => b.append({ type: 'note', data: { i } })))
  await until([a], async () => (await a.get(entries[2].id)) !== null)
  const ids = { key: a.key, encryptionKey: a.encryptionKey, a: a.deviceKey, b: b.deviceKey }
  const hash = await a.hash()
  stop()
  await a.close()
  await b.close()

  a = new Ledger({ storage: dirA, swarm: false })
  b = new Ledger({ storage: dirB, swarm: false })
  t.teardown(() => a.close())
  t.teardown(() => b.close())
  await a.ready()
  await b.ready()
  t.is(a.mode, 'opened')
  t.is(b.mode, 'opened')
  t.is(a.key, ids.key)
  t.is(b.key, ids.key, 'the folder remembers its ledger')
  t.is(a.deviceKey, ids.a)
  t.is(b.deviceKey, ids.b)
  t.is(await a.hash(), hash)
  for (const e of entries) t.alike((await a.get(e.id))?.data, e.data)
  t.is(await a.roleOf(b.deviceKey), 'writer')
  t.ok(b.writable, 'still a writer after restart')
  stop = replicate(a, b)
  const more = await b.append({ type: 'note', data: 'after restart' })
  t.is(more.seq, entries[0].seq + 1, 'the log continues where it was')
  await until([a], async () => (await a.get(more.id)) !== null)
  stop()
})

test('a folder holding one ledger refuses another key', async (t) => {
  const a = await create(t)
  const other = await create(t)
  const dir = (a as unknown as { options: { storage: string } }).options.storage
  const key = a.key
  await a.close()
  const wrong = new Ledger({ storage: dir, swarm: false, key: other.key, encryptionKey: other.encryptionKey })
  await fails(t, wrong.ready(), 'LEDGER_MISMATCH', 'opened with the wrong key')
  const right = await create(t, { storage: dir, key })
  t.is(right.mode, 'opened')
})

test('a second process on the same folder gets STORAGE_LOCKED', async (t) => {
  const a = await create(t)
  const dir = (a as unknown as { options: { storage: string } }).options.storage
  const script = `
    import { Ledger } from ${JSON.stringify(new URL('../src/index.js', import.meta.url).href)}
    const l = new Ledger({ storage: ${JSON.stringify(dir)}, swarm: false })
    try { await l.ready(); console.log('OPENED') } catch (err) { console.log(err.code) }
  `
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  await once(child, 'exit')
  t.is(out.trim(), 'STORAGE_LOCKED')
  t.ok((await a.append({ type: 'note' })).id, 'the first process is unaffected')
})
