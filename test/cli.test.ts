/**
 * The `meshledger` command, spawned as the real binary on temp data folders: local mode, through a
 * running daemon, exit codes, help texts against a committed snapshot, and export round trips.
 * `UPDATE_SNAPSHOTS=1 npm test` rewrites test/snapshots/help.txt.
 */
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { COMMANDS } from '../src/cli/main.js'
import { Ledger } from '../src/index.js'
import { cli, cliJson as json, freePort } from './helpers/cli.js'
import { spawnDaemon } from './helpers/daemon.js'
import { create, replicate, tmp, until } from './helpers/index.js'
import { tamper } from './helpers/tamper.js'

const SNAPSHOT = new URL('../../test/snapshots/help.txt', import.meta.url).pathname

interface Entry { id: string, writer: string, timestamp: number, type: string, status: string, data: unknown }

test('local mode (no daemon): init, append, get, query, balance', async (t) => {
  const data = await tmp(t)
  const init = await json(t, data, ['init'])
  t.is(init.mode, 'created')
  t.is(typeof init.ledger, 'string')
  const device = init.device as string

  const written = await json<{ id: string, status: string }>(t, data, ['append', 'note', '{"text":"hello"}'])
  t.ok(['applied', 'confirmed'].includes(written.status))
  const piped = await json<{ id: string }>(t, data, ['append', 'note'], '{"text":"from stdin"}\n')

  const entry = await json<Entry>(t, data, ['get', written.id])
  t.alike(entry.data, { text: 'hello' })
  t.is(entry.writer, device)

  const { entries } = await json<{ entries: Entry[] }>(t, data, ['query', '--type', 'note'])
  t.alike(entries.map((e) => e.id), [written.id, piped.id])
  t.alike(entries[1].data, { text: 'from stdin' })

  const balance = await json(t, data, ['balance', device])
  t.is(balance.balance, 0)

  const human = await cli(['get', written.id, '--data', data])
  t.ok(/^status\s+(applied|confirmed)$/m.test(human.stdout), 'human output is field lines')
  await t.exception(readFile(path.join(data, 'daemon.json')), 'the in-process daemon removed daemon.json')
})

test('with a daemon running, commands go through its API', async (t) => {
  const data = await tmp(t)
  const { url } = await spawnDaemon(t, data)
  const info = JSON.parse(await readFile(path.join(data, 'daemon.json'), 'utf8')) as { url: string }
  t.is(info.url, url)

  const status = await json(t, data, ['status'])
  const written = await json<{ id: string }>(t, data, ['append', 'note', '{"n":1}'])
  const recorded = await json<{ id: string }>(t, data, ['record', 'temp', '21.5'])
  t.alike((await json<Entry>(t, data, ['get', written.id])).data, { n: 1 })
  t.alike((await json<Entry>(t, data, ['get', recorded.id])).data, { stream: 'temp', value: 21.5 })
  const { entries } = await json<{ entries: Entry[] }>(t, data, ['query', '--stream', 'temp'])
  t.alike(entries.map((e) => e.id), [recorded.id])
  t.is((await json(t, data, ['balance', status.device as string])).balance, 0)
  const human = await cli(['status', '--data', data])
  t.ok(human.stdout.includes(`daemon at ${url}`), 'status says it used the daemon')

  const token = (await readFile(path.join(data, 'api-token'), 'utf8')).trim()
  const metrics = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).text()
  t.ok(/^meshledger_http_appends_total 2$/m.test(metrics), 'both appends went through the daemon')
})

test('exit codes: 2 usage, 3 not found, 4 rejected, 5 daemon unreachable', async (t) => {
  const data = await tmp(t)
  const init = await json(t, data, ['init'])
  const checks: Array<[string[], number, RegExp]> = [
    [['frobnicate'], 2, /^meshledger: USAGE: unknown command "frobnicate"; meshledger --help lists the commands$/m],
    [['get'], 2, /^meshledger get: USAGE: missing argument <id>/],
    [['query', '--nope'], 2, /^meshledger query: USAGE: /],
    [['append', 'note', '{not json'], 2, /^meshledger append: USAGE: json-data: not valid JSON/],
    [['get', `${init.device as string}.99.0`], 3, /^meshledger get: NOT_FOUND: /],
    [['transfer', init.device as string, '-1'], 4, /^meshledger transfer: INVALID_ENTRY: /],
    [['transfer', 'nobody', '5'], 4, /^meshledger transfer: UNKNOWN_ACCOUNT: /]
  ]
  const runs = await Promise.all(checks.map(([args]) => cli([...args, '--data', data])))
  runs.forEach((r, i) => {
    const [args, code, message] = checks[i]
    t.is(r.code, code, `${args.join(' ')} exits ${code}`)
    t.ok(message.test(r.stderr), r.stderr.split('\n')[0])
  })

  const empty = await tmp(t)
  t.is((await cli(['status', '--data', path.join(empty, 'none')])).code, 3, 'no ledger in the folder is not found')

  await writeFile(path.join(data, 'daemon.json'), JSON.stringify({ pid: process.pid, url: `http://127.0.0.1:${await freePort()}` }))
  const stale = await cli(['status', '--data', data])
  t.is(stale.code, 0, `a live pid whose URL does not answer, and a free lock: stale, opened in-process${stale.code === 0 ? '' : ': ' + stale.stderr.trim()}`)
  // The storage lock held (by this process) makes the same daemon.json a daemon that does not answer.
  const holder = new Ledger({ storage: path.join(data, 'store'), swarm: false })
  await holder.ready()
  t.teardown(() => holder.close())
  const r = await cli(['status', '--data', data])
  t.is(r.code, 5, 'a live pid whose URL does not answer, with the lock held')
  t.ok(r.stderr.startsWith('meshledger status: DAEMON_UNREACHABLE: '), r.stderr.trim())
  await holder.close()
})

test('--help of every command matches test/snapshots/help.txt', async (t) => {
  const groups = [...new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]))]
  const invocations = [[], ...groups.map((g) => [g]), ...COMMANDS.map((c) => c.name.split(' '))]
  const runs = await Promise.all(invocations.map((words) => cli([...words, '--help'])))
  let text = ''
  runs.forEach((r, i) => {
    t.is(r.code, 0, `meshledger ${invocations[i].join(' ')} --help exits 0`)
    text += `==== meshledger ${[...invocations[i], '--help'].join(' ')}\n${r.stdout}\n`
  })
  if (process.env.UPDATE_SNAPSHOTS === '1') {
    await mkdir(path.dirname(SNAPSHOT), { recursive: true })
    await writeFile(SNAPSHOT, text)
    t.comment(`wrote ${SNAPSHOT}`)
    return
  }
  const expected = await readFile(SNAPSHOT, 'utf8').catch(() => '')
  t.ok(text === expected, 'help texts match the snapshot (UPDATE_SNAPSHOTS=1 npm test to accept changes)')
  if (text !== expected) {
    const a = text.split('\n')
    const b = expected.split('\n')
    const at = a.findIndex((line, i) => line !== b[i])
    t.comment(`first difference at line ${at + 1}:\n- ${b[at] ?? '(end)'}\n+ ${a[at] ?? '(end)'}`)
  }
})

test('export writes every entry, as JSON lines and as CSV', async (t) => {
  const data = await tmp(t)
  // 2 500 entries appended concurrently: group commit gives many of them one timestamp, and the
  // export must page past them (1 000 per page) without losing or repeating any.
  const ledger = new Ledger({ storage: path.join(data, 'store'), swarm: false })
  await ledger.ready()
  const odd = { text: 'comma, "quote"\nand newline', n: [1, 2] }
  await ledger.append({ type: 'odd', data: odd })
  await Promise.all(Array.from({ length: 2500 }, (_, i) => ledger.append({ type: i % 2 === 0 ? 'even' : 'reading', data: { i } })))
  await ledger.close()

  const { entries } = await json<{ entries: Entry[] }>(t, data, ['query', '--limit', '10000'])
  t.is(entries.length, 2503, 'the genesis block (member.add, ledger.protocol), odd and the 2 500')
  const expected = entries.map((e) => ({ id: e.id, writer: e.writer, timestamp: e.timestamp, type: e.type, status: e.status, data: e.data }))

  const jsonl = await cli(['export', '--data', data])
  t.is(jsonl.code, 0)
  t.is(jsonl.stderr, '', 'no progress output when stderr is not a terminal')
  t.alike(jsonl.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as unknown), expected, 'jsonl round trip')

  const csv = await cli(['export', '--format', 'csv', '--data', data])
  t.is(csv.code, 0)
  const [header, ...rows] = parseCsv(csv.stdout)
  t.alike(header, ['id', 'writer', 'timestamp', 'type', 'status', 'data'])
  t.alike(rows.map(([id, writer, ts, type, status, d]) => ({ id, writer, timestamp: Number(ts), type, status, data: JSON.parse(d) as unknown })), expected, 'csv round trip')

  const typed = await cli(['export', '--type', 'even', '--json', '--data', data])
  t.is(typed.stdout.trimEnd().split('\n').length, 1250, '--type filters')
})

test('verify: exit 0 on a healthy folder; 6 naming the log once bytes of it change on disk', async (t) => {
  const data = await tmp(t)
  const storage = path.join(data, 'store')
  const a = new Ledger({ storage, swarm: false })
  await a.ready()
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const stop = replicate(a, b)
  await a.addMember(b.deviceKey)
  await until([b], () => b.writable)
  const notes = [await b.append({ type: 'note', data: { n: 1 } }), await b.append({ type: 'note', data: { n: 2 } })]
  await until([a], async () => (await a.get(notes[1].id)) !== null)
  stop()
  await a.close()

  const healthy = await cli(['verify', '--data', data])
  t.is(healthy.code, 0, healthy.stderr)
  t.ok(/^verified: 2 logs and the view are sound/m.test(healthy.stdout), 'a verdict line')
  t.ok(healthy.stdout.includes(b.deviceKey), 'one line per writer log')
  const report = await json<{ ok: boolean, writers: Array<{ key: string, entries: number }> }>(t, data, ['verify'])
  t.ok(report.ok)
  t.is(report.writers.find((w) => w.key === b.deviceKey)?.entries, 2)

  await tamper(storage, b.deviceKey, notes[1].seq)
  await spawnDaemon(t, data) // the damaged folder, served: verify goes through POST /v1/verify
  const damaged = await cli(['verify', '--data', data])
  t.is(damaged.code, 6, 'exit 6')
  t.ok(damaged.stderr.includes(`meshledger verify: LOG_DAMAGED: log ${b.deviceKey}: block ${notes[1].seq}`), damaged.stderr.trim())
  t.ok(/^FAILED: 1 problem/m.test(damaged.stdout))
})

/** RFC 4180 CSV. */
function parseCsv (text: string): string[][] {
  const rows: string[][] = []
  let row: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++ } else if (c === '"') quoted = false
      else cell += c
    } else if (c === '"') quoted = true
    else if (c === ',') { row.push(cell); cell = '' } else if (c === '\n') { row.push(cell); rows.push(row); row = []; cell = '' } else cell += c
  }
  if (cell !== '' || row.length > 0) { row.push(cell); rows.push(row) }
  return rows
}

test('receipts: proof through the daemon, verify-receipt with nothing but the file', async (t) => {
  const data = await tmp(t)
  const { url } = await spawnDaemon(t, data)
  const written = await json<{ id: string }>(t, data, ['append', 'inspection', '{"vin":"WVW123","result":"pass"}', '--wait', 'confirmed'])
  const file = path.join(await tmp(t), 'receipt.json')
  t.is((await cli(['proof', written.id, '-o', file, '--data', data])).code, 0, 'meshledger proof -o FILE')

  const checked = await cli(['verify-receipt', file, '--json'], { env: { MESHLEDGER_DATA: path.join(await tmp(t), 'no-ledger-here') } })
  t.is(checked.code, 0, `verify-receipt needs no ledger${checked.code === 0 ? '' : ': ' + checked.stderr}`)
  const result = JSON.parse(checked.stdout) as { id: string, type: string, confirmed: boolean, data: unknown }
  t.is(result.id, written.id)
  t.is(result.confirmed, true)
  t.alike(result.data, { vin: 'WVW123', result: 'pass' })

  const piped = await cli(['verify-receipt', '-', '--json'], { input: await readFile(file, 'utf8') })
  t.is(piped.code, 0, `verify-receipt - reads the receipt from stdin${piped.code === 0 ? '' : ': ' + piped.stderr}`)
  t.is((JSON.parse(piped.stdout) as { id: string }).id, written.id)
  t.is((await cli(['verify-receipt', file, '--data', data])).code, 2, 'verify-receipt takes no --data')

  const token = (await readFile(path.join(data, 'api-token'), 'utf8')).trim()
  const res = await fetch(`${url}/v1/entries/${written.id}/proof`, { headers: { authorization: `Bearer ${token}` } })
  t.is(res.status, 200, 'GET /v1/entries/:id/proof')
  const other = path.join(await tmp(t), 'other.json')
  await writeFile(other, await res.text())
  t.is((await cli(['verify-receipt', other])).code, 0)

  const altered = (await readFile(file, 'utf8')).replace('WVW123', 'WVW124')
  await writeFile(file, altered)
  const refused = await cli(['verify-receipt', file])
  t.is(refused.code, 4, 'an altered receipt exits 4')
  t.ok(refused.stderr.includes('INVALID_RECEIPT'), refused.stderr.trim())
  const wrongLedger = await cli(['verify-receipt', other, '--ledger', written.id.split('.')[0].replace(/^./, (ch) => ch === 'y' ? 'o' : 'y')])
  t.is(wrongLedger.code, 4, 'a receipt of another ledger than --ledger exits 4')
})
