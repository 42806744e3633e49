import { existsSync } from 'node:fs'
import { stat } from 'node:fs/promises'
import path from 'node:path'
import { execFile, spawn } from 'node:child_process'
import { promisify } from 'node:util'
import { once } from 'node:events'
import test from 'brittle'
import { tmp } from './helpers/index.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'

const run = promisify(execFile)

test('the HTTP API: token, writes, reads, bad input writes nothing', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data)
  t.is((await stat(path.join(data, 'api-token'))).mode & 0o777, 0o600, 'the token is private')
  t.alike((await fetch(d.url + '/healthz')).status, 200, '/healthz needs no token')
  t.is((await d.api('GET', '/v1/status', undefined, 'wrong')).status, 401)
  t.is((await d.api('POST', '/v1/entries', { type: 'note' }, '')).status, 401)
  t.is((await d.api('GET', '/metrics', undefined, 'wrong')).status, 401)

  const written = await d.api('POST', '/v1/entries?wait=confirmed', { type: 'note', data: { text: 'hello' } })
  t.is(written.status, 201)
  t.is(written.body.status, 'confirmed')
  const got = await d.api('GET', `/v1/entries/${written.body.id as string}`)
  t.alike(got.body.data, { text: 'hello' })
  const listed = await d.api('GET', '/v1/entries?type=note&limit=10')
  t.alike(listed.body.entries.map((e: { id: string }) => e.id), [written.body.id])
  const status = await d.api('GET', '/v1/status')
  t.is(status.body.writable, true)
  t.is(status.body.protocol.active, 7, 'status shows the active protocol')
  t.is((await d.api('GET', '/v1/protocol')).body.known, 7)
  const unknown = await d.api('POST', '/v1/protocol', { version: 8 })
  t.alike([unknown.status, unknown.body.error?.code], [503, 'UPGRADE_REQUIRED'], 'activating a protocol this code does not know: upgrade first')
  const active = await d.api('POST', '/v1/protocol', { version: 5 })
  t.alike([active.status, active.body.error?.code], [400, 'INVALID_ENTRY'], 'protocol 7 is active already')

  const before = (await d.api('GET', '/v1/status')).body.view.length
  const bad = [
    await d.api('POST', '/v1/entries', '{not json'),
    await d.api('POST', '/v1/entries', { type: '9' }),
    await d.api('POST', '/v1/entries', { type: 'x', data: 'y'.repeat(70_000) }),
    await d.api('POST', '/v1/transfers', { to: 'nobody', amount: -1 }),
    await d.api('POST', '/v1/entries', 'z'.repeat(2 * 1024 * 1024))
  ]
  t.alike(bad.map((r) => r.status), [400, 400, 413, 400, 413])
  t.alike(bad.map((r) => r.body.error?.code), ['INVALID_REQUEST', 'INVALID_ENTRY', 'ENTRY_TOO_LARGE', 'INVALID_ENTRY', 'BODY_TOO_LARGE'])
  t.is((await d.api('GET', '/v1/status')).body.view.length, before, 'nothing was written')
  t.is((await d.api('GET', '/v1/entries/nope.1.0')).status, 400)
  t.is((await d.api('GET', `/v1/entries/${d.log[0].device as string}.999.0`)).status, 404)
  t.is((await d.api('GET', '/v1/nothing')).status, 404)

  const metrics = await d.api('GET', '/metrics')
  t.ok(/meshledger_http_appends_total 1/.test(metrics.body as string))
  t.ok(/meshledger_view_signed_length \d+/.test(metrics.body as string))
  t.ok(/process_resident_memory_bytes \d+/.test(metrics.body as string))
})

test('the stream: Server-Sent Events of applied entries', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data)
  const ctrl = new AbortController()
  const res = await fetch(d.url + '/v1/stream?type=reading', { headers: { authorization: `Bearer ${d.token}` }, signal: ctrl.signal })
  t.is(res.headers.get('content-type'), 'text/event-stream')
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  await d.api('POST', '/v1/entries', { type: 'note', data: 'skip' })
  await d.api('POST', '/v1/entries', { type: 'reading', data: 21.5 })
  let text = ''
  while (!text.includes('21.5')) text += Buffer.from((await reader.read()).value ?? []).toString()
  t.ok(/event: entry\ndata: \{.*"type":"reading".*\}/.test(text))
  t.absent(text.includes('skip'), 'filtered by type')
  ctrl.abort()
})

test('a second daemon on the same folder refuses to start', async (t) => {
  const data = await tmp(t)
  await spawnDaemon(t, data)
  const child = spawn(process.execPath, [BIN, 'daemon', '--data', data, '--port', '0', '--offline'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const [code] = await once(child, 'exit') as [number]
  t.is(code, 1)
  // Logging JSON (stdout is not a terminal), the refusal is the log's last line.
  const fatal = JSON.parse(out.trim().split('\n').at(-1) ?? '')
  t.is(fatal.event, 'fatal')
  t.is(fatal.code, 'DAEMON_RUNNING', fatal.error)
})

async function acknowledgedUnderLoad (t: test.Test, signal: NodeJS.Signals): Promise<void> {
  const data = await tmp(t)
  let d = await spawnDaemon(t, data)
  const acked: string[] = []
  let stopping = false
  const writers = Array.from({ length: 8 }, async (_, w) => {
    for (let i = 0; !stopping; i++) {
      try {
        const r = await d.api('POST', '/v1/entries', { type: 'load', data: { w, i } })
        if (r.status === 201) acked.push(r.body.id as string)
      } catch {
        return // the connection died with the process
      }
    }
  })
  while (acked.length < 300) await new Promise((resolve) => setImmediate(resolve))
  stopping = true
  const code = await d.stop(signal)
  await Promise.all(writers)
  t.is(code, signal === 'SIGTERM' ? 0 : signal, signal === 'SIGTERM' ? 'exit 0 after SIGTERM' : 'killed')
  if (signal === 'SIGTERM') t.absent(existsSync(path.join(data, 'daemon.json')), 'daemon.json removed on exit')

  await spawnDaemon(t, data)
  // Read back with the command, through the restarted daemon's API.
  const { stdout } = await run(process.execPath, [BIN, 'query', '--data', data, '--type', 'load', '--limit', '10000', '--json'])
  const found = new Set((JSON.parse(stdout) as { entries: Array<{ id: string }> }).entries.map((e) => e.id))
  const missing = acked.filter((id) => !found.has(id))
  t.is(missing.length, 0, `all ${acked.length} acknowledged entries are there after ${signal} and a restart`)
}

test('SIGTERM mid-load: every acknowledged entry survives a restart', async (t) => {
  await acknowledgedUnderLoad(t, 'SIGTERM')
})

test('kill -9 mid-load: every acknowledged entry survives a restart', async (t) => {
  await acknowledgedUnderLoad(t, 'SIGKILL')
})
