/**
 * Validation is a pure function of the bytes: replicas with different stack sizes judge hostile
 * blocks alike, and the local append path refuses what apply would, with INVALID_ENTRY, never a
 * RangeError, without taking other appends of the same group commit down.
 */
import { spawn } from 'node:child_process'
import { createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import type { Entry, Ledger } from '../src/index.js'
import { NOT_JSON, scanJson } from '../src/protocol/json-scan.js'
import { MAX_DATA_DEPTH, checkData } from '../src/protocol/ops.js'
import { create, fails, tmp } from './helpers/index.js'
import { appendRaw } from './helpers/internals.js'

const CHILD = fileURLToPath(new URL('./validation-child.js', import.meta.url))

/** Stack sizes (KB) of the replicas; null is Node's default. */
const STACKS = [null, 900, 800, 400]

const nest = (n: number): string => '['.repeat(n) + ']'.repeat(n)
const op = (d: string): string => `{"t":"n","s":1,"d":${d}}`
const block = (...ops: string[]): Buffer => Buffer.from(`{"p":1,"o":[${ops.join(',')}]}`)

/** Raw blocks a hostile device writes, and what every replica must make of each. */
const HOSTILE: Array<{ name: string, bytes: Buffer, expect: string }> = [
  { name: 'data nested 4110 deep among innocent ops', bytes: block(op('1'), op(nest(4110)), op('2')), expect: 'rejected:MALFORMED_BLOCK' },
  { name: 'data nested 4115 deep', bytes: block(op(nest(4115))), expect: 'rejected:MALFORMED_BLOCK' },
  { name: `data nested ${MAX_DATA_DEPTH} deep (the limit)`, bytes: block(op(nest(MAX_DATA_DEPTH))), expect: 'ok' },
  { name: `data nested ${MAX_DATA_DEPTH + 1} deep`, bytes: block(op(nest(MAX_DATA_DEPTH + 1))), expect: 'rejected:MALFORMED_BLOCK' },
  { name: '1e400', bytes: block(op('{"x":1e400}')), expect: 'rejected:MALFORMED_BLOCK' },
  { name: 'a lone surrogate escape', bytes: block(op('"\\ud800"')), expect: 'ok' },
  { name: 'bytes that are not UTF-8', bytes: Buffer.concat([Buffer.from(`{"p":1,"o":[${op('"')}`.slice(0, -1)), Buffer.from([0xff, 0x22, 0x7d, 0x5d, 0x7d])]), expect: 'rejected:MALFORMED_BLOCK' },
  { name: 'a duplicate key', bytes: block(op('{"a":1,"a":2}')), expect: 'rejected:MALFORMED_BLOCK' },
  { name: 'a __proto__ key', bytes: block(op('{"__proto__":{"x":1}}')), expect: 'rejected:MALFORMED_BLOCK' },
  { name: 'not JSON', bytes: Buffer.from('{"p":1,"o":[' + nest(5000)), expect: 'rejected:MALFORMED_BLOCK' }
]

interface Report { length: number, hash: string, statuses: string[] }

/** Run one replica in a child process with `stack`; resolves with its report. */
async function replica (t: test.Test, stack: number | null, port: number, writer: Ledger, last: string, ids: string[]): Promise<Report & { error?: string }> {
  const args = [...(stack === null ? [] : [`--stack-size=${stack}`]), CHILD, await tmp(t), String(port), writer.key, writer.encryptionKey ?? '', last, ids.join(',')]
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.setEncoding('utf8')
  child.stdout.on('data', (chunk: string) => { out += chunk })
  // 'close', not 'exit': at 'exit' the last of its stdout may still be on the way.
  const [code] = await once(child, 'close') as [number | null]
  try {
    return JSON.parse(out) as Report
  } catch {
    return { length: 0, hash: '', statuses: [], error: `exit ${String(code)}: ${out}` }
  }
}

const normal = (e: Entry | null): string => e === null ? 'missing' : e.rejection !== undefined ? `rejected:${e.rejection.code}` : 'ok'

test('validation: replicas with different stack sizes judge hostile blocks alike (one view hash)', async (t) => {
  const writer = await create(t, { ackInterval: 1 << 30 })
  const ids: string[] = []
  for (const h of HOSTILE) ids.push(`${writer.deviceKey}.${await appendRaw(writer, h.bytes)}.0`)
  const innocent = await Promise.all(Array.from({ length: 20 }, (_, i) => writer.append({ type: 'note', data: { i } })))
  const last = await writer.append({ type: 'note', data: 'last' })

  const own = await Promise.all(ids.map(async (id) => normal(await writer.get(id))))
  t.alike(own, HOSTILE.map((h) => h.expect), 'the writer judges each block as the rules say')
  t.is((await writer.get(ids[5]))?.data, '\ud800', 'a lone surrogate is kept as it was written')
  t.ok(innocent.every((e) => e.rejection === undefined), 'later appends are unaffected')

  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    const stream = writer.replicate(true)
    socket.pipe(stream).pipe(socket)
    socket.on('error', () => {})
    stream.on('error', () => {})
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    for (const s of sockets) s.destroy()
    server.close()
  })
  const port = (server.address() as { port: number }).port

  const reports = await Promise.all(STACKS.map((stack) => replica(t, stack, port, writer, last.id, ids)))
  const hash = await writer.hash()
  const length = writer.stats.view.length
  for (let i = 0; i < STACKS.length; i++) {
    const r = reports[i]
    const name = `replica with --stack-size=${STACKS[i] ?? 'default'}`
    if (r.error !== undefined) {
      t.fail(`${name}: ${r.error}`)
      continue
    }
    t.alike(r.statuses.map((s) => s.replace(/^(applied|confirmed)$/, 'ok')), own, `${name}: the same verdicts`)
    t.is(`${r.length}:${r.hash}`, `${length}:${hash}`, `${name}: the writer's view length and hash`)
  }
})

test('validation: library appends nested 65 to 6000 deep are all INVALID_ENTRY; 20 concurrent appends all land', async (t) => {
  const ledger = await create(t)
  // Every depth: where JSON.stringify gives up depends on the stack, so no single depth shows it.
  const codes: Array<Promise<string>> = []
  const innocent: Array<Promise<Entry>> = []
  let v: unknown = null
  for (let depth = 1; depth <= 6000; depth++) {
    v = [v]
    if (depth <= MAX_DATA_DEPTH) continue
    codes.push(ledger.append({ type: 'note', data: v }).then(() => `${depth}: accepted`, (err: { code?: string }) => err.code === 'INVALID_ENTRY' ? 'INVALID_ENTRY' : `${depth}: ${String(err)}`))
    if (depth % 300 === 0) innocent.push(ledger.append({ type: 'note', data: { depth } }))
  }
  const wrong = (await Promise.all(codes)).filter((c) => c !== 'INVALID_ENTRY')
  t.alike(wrong.slice(0, 5), [], `every depth from ${MAX_DATA_DEPTH + 1} to 6000 is refused with INVALID_ENTRY`)
  const entries = await Promise.all(innocent)
  t.ok(entries.length === 20 && entries.every((e) => e.status === 'confirmed'), 'all 20 innocent appends made among them are confirmed')
  t.is(new Set(entries.map((e) => e.seq)).size, 1, 'in one group commit')
})

test('validation: the limits on the local append path', async (t) => {
  const ledger = await create(t)
  const nested = (n: number): unknown => {
    let v: unknown = 'leaf'
    for (let i = 0; i < n; i++) v = [v]
    return v
  }
  const atLimit = await ledger.append({ type: 'note', data: nested(MAX_DATA_DEPTH) })
  t.is(atLimit.status, 'confirmed', `depth ${MAX_DATA_DEPTH} is accepted`)
  t.is(JSON.stringify(atLimit.data), JSON.stringify(nested(MAX_DATA_DEPTH)), 'and kept as written') // t.alike is slow this deep
  await fails(t, ledger.append({ type: 'note', data: nested(MAX_DATA_DEPTH + 1) }), 'INVALID_ENTRY', `depth ${MAX_DATA_DEPTH + 1} is refused`)

  await fails(t, ledger.append({ type: 'note', data: JSON.parse('{"x":1e400}') }), 'INVALID_ENTRY', '1e400 (Infinity once parsed) is refused, not stored as null')
  await fails(t, ledger.append({ type: 'note', data: { x: NaN } }), 'INVALID_ENTRY', 'NaN')
  const cycle: Record<string, unknown> = { a: 1 }
  cycle.self = cycle
  await fails(t, ledger.append({ type: 'note', data: cycle }), 'INVALID_ENTRY', 'a cycle')
  await fails(t, ledger.append({ type: 'note', data: { n: 10n } }), 'INVALID_ENTRY', 'a BigInt')
  await fails(t, ledger.append({ type: 'note', data: { f: () => 1 } }), 'INVALID_ENTRY', 'a function')
  await fails(t, ledger.append({ type: 'note', data: { at: new Date(0) } }), 'INVALID_ENTRY', 'a Date (not a plain object)')
  await fails(t, ledger.append({ type: 'note', data: new Map() }), 'INVALID_ENTRY', 'a Map')
  await fails(t, ledger.append({ type: 'note', data: [1, undefined] }), 'INVALID_ENTRY', 'undefined in an array')
  await fails(t, ledger.append({ type: 'note', data: JSON.parse('{"__proto__":{"x":1}}') }), 'INVALID_ENTRY', 'a __proto__ key')
  await fails(t, ledger.append({ type: 'note', data: Array.from({ length: 1e6 }, () => 0) }), 'ENTRY_TOO_LARGE', 'a huge array is too large')

  const lone = await ledger.append({ type: 'note', data: { s: '\ud800', skipped: undefined, zero: -0, big: 2 ** 60 } })
  t.alike(lone.data, { s: '\ud800', zero: 0, big: 2 ** 60 }, 'lone surrogates kept, undefined properties left out, -0 is 0')
  t.alike((await ledger.get(lone.id))?.data, lone.data, 'the view holds the same')

  let reads = 0
  const shifty = { get v (): unknown { return ++reads === 1 ? 'once' : nested(5000) } }
  const read = await ledger.append({ type: 'note', data: shifty })
  t.alike(read.data, { v: 'once' }, 'each property is read once: a getter cannot change what is written')
})

test('validation: the block scan agrees with JSON.parse on what is JSON, and encoding with JSON.stringify', async (t) => {
  let seed = 1
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
  const atoms = ['0', '-0', '1.5', '1e5', '-1E-7', '"a"', '"\\u00e9"', '"\\ud800"', 'true', 'false', 'null', '"é"', '"😀"', '123456789012345678901234567890']
  const gen = (d: number): string => {
    const x = random()
    if (d > 5 || x < 0.4) return atoms[Math.floor(random() * atoms.length)]
    const n = Math.floor(random() * 4)
    if (x < 0.7) return '[' + Array.from({ length: n }, () => gen(d + 1)).join(',') + ']'
    return '{' + Array.from({ length: n }, (_, i) => `"k${i}" : ${gen(d + 1)}`).join(' ,') + '}'
  }
  const noise = '{}[],:"\\ 0-1e.tfnu\n'
  const disagree: string[] = []
  for (let k = 0; k < 20_000; k++) {
    let s = gen(0)
    const p = Math.floor(random() * s.length)
    const r = random()
    if (r < 0.2) s = s.slice(0, p) + s.slice(p + 1)
    else if (r < 0.4) s = s.slice(0, p) + noise[Math.floor(random() * noise.length)] + s.slice(p)
    else if (r < 0.5) s = s.slice(0, p)
    let value: unknown
    let json = true
    try {
      value = JSON.parse(s)
    } catch {
      json = false
    }
    const verdict = scanJson(Buffer.from(s), 100)
    if (json !== (verdict !== NOT_JSON)) disagree.push(`${s}: ${String(verdict)}`)
    if (json && verdict === null) {
      const encoded = checkData(value)
      if ('code' in encoded || encoded.json !== JSON.stringify(value)) disagree.push(`${s}: encoded differently`)
    }
  }
  t.alike(disagree.slice(0, 3), [], '20 000 random near-JSON texts')
  const limits: Array<[string, string | null]> = [
    ['{"a":1,"\\u0061":2}', 'an object has the key "a" twice'],
    ['{"\\u005f_proto__":1}', 'an object has a __proto__ key'],
    ['[1e308,-1e308,1e-400]', null],
    ['[1e309]', 'a number is out of a double\'s range (e.g. 1e400)'],
    ['{"a":[1,}', NOT_JSON],
    ['{"a":1e400,', NOT_JSON] // not JSON wins over a limit, as older code said
  ]
  t.alike(limits.map(([s]) => scanJson(Buffer.from(s), 100)), limits.map(([, v]) => v), 'limits, and not-JSON first')
  t.is(scanJson(Buffer.from([0x22, 0xed, 0xa0, 0x80, 0x22]), 10), 'a string is not well-formed UTF-8', 'an encoded surrogate')
  t.is(scanJson(Buffer.from('"😀"'), 10), null, 'a four-byte character')
})
