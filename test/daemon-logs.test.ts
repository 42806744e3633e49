/**
 * The daemon's log: pino JSON lines with `msg`, syslog priorities for journald (tested with a file
 * standing in for systemd's journal stream), the access log, and start-up failures as JSON.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fstatSync, openSync, closeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import test from 'brittle'
import { Logger, onJournal } from '../src/daemon/logger.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

function collect (): { out: PassThrough, lines: () => string[] } {
  const out = new PassThrough()
  let text = ''
  out.on('data', (d: Buffer) => { text += d.toString() })
  return { out, lines: () => text.split('\n').filter((l) => l !== '') }
}

test('log lines: JSON with event, msg, level name and ISO time; below the level nothing', async (t) => {
  const { out, lines } = collect()
  const log = new Logger('info', { json: true, out })
  log.debug('hidden')
  log.warn('unwritable', { peer: 'abc' })
  const [line, ...rest] = lines()
  t.is(rest.length, 0, 'debug is below info')
  const event = JSON.parse(line)
  t.is(event.event, 'unwritable')
  t.is(event.msg, 'unwritable')
  t.is(event.level, 'warn')
  t.is(event.peer, 'abc')
  t.ok(!Number.isNaN(Date.parse(event.time)), 'an ISO time')
})

test('journald: each line starts with its syslog priority, so `journalctl -p err` finds errors', async (t) => {
  const { out, lines } = collect()
  const log = new Logger('debug', { json: true, out, syslogPrefix: true })
  log.debug('view-check')
  log.info('ready')
  log.warn('unwritable')
  log.error('view-mismatch', { peer: 'abc' })
  log.fatal('fatal')
  t.alike(lines().map((l) => l.slice(0, 3)), ['<7>', '<6>', '<4>', '<3>', '<2>'])
  t.is(JSON.parse(lines()[3].slice(3)).event, 'view-mismatch', 'the rest of the line is the JSON event')
})

test('readable lines on a terminal, prefixed too under journald', async (t) => {
  const { out, lines } = collect()
  new Logger('info', { json: false, out, syslogPrefix: true }).error('view-mismatch', { peer: 'abc', length: 3 })
  t.ok(/^<3>\d\d:\d\d:\d\d error view-mismatch peer=abc length=3$/.test(lines()[0]), lines()[0])
})

test('onJournal: JOURNAL_STREAM must name this very descriptor', async (t) => {
  const dir = await tmp(t)
  const fd = openSync(path.join(dir, 'journal'), 'w')
  const other = openSync(path.join(dir, 'other'), 'w')
  t.teardown(() => { closeSync(fd); closeSync(other) })
  const s = fstatSync(fd, { bigint: true })
  const env = { JOURNAL_STREAM: `${s.dev}:${s.ino}` }
  t.ok(onJournal(fd, env))
  t.absent(onJournal(other, env), 'a descendant writing elsewhere keeps the variable: no prefix')
  t.absent(onJournal(fd, {}))
})

/** Run the daemon with stdout on a file that JOURNAL_STREAM names, as systemd would with journald. */
async function underJournal (t: test.Test, args: string[], stop?: (line: string) => boolean): Promise<{ lines: string[], exit: number | null }> {
  const dir = await tmp(t)
  const file = path.join(dir, 'journal')
  const fd = openSync(file, 'w')
  const s = fstatSync(fd, { bigint: true })
  const child = spawn(process.execPath, [BIN, 'daemon', ...args], { stdio: ['ignore', fd, 'pipe'], env: { ...process.env, JOURNAL_STREAM: `${s.dev}:${s.ino}` } })
  closeSync(fd)
  const exited = once(child, 'exit')
  if (stop !== undefined) {
    while (child.exitCode === null && !(await readFile(file, 'utf8')).split('\n').some(stop)) await new Promise((resolve) => setTimeout(resolve, 50))
    child.kill('SIGTERM')
  }
  const [exit] = await exited
  return { lines: (await readFile(file, 'utf8')).split('\n').filter((l) => l !== ''), exit: exit as number | null }
}

test('journald: the real daemon prefixes its lines; a busy port is a fatal JSON line at priority crit', async (t) => {
  const data = await tmp(t)
  const ran = await underJournal(t, ['--data', data, '--port', '0', '--offline'], (l) => l.includes('"event":"ready"'))
  t.is(ran.exit, 0)
  const ready = ran.lines.find((l) => l.includes('"event":"ready"')) ?? ''
  t.ok(ready.startsWith('<6>{'), 'ready at priority info')
  t.ok(ran.lines.every((l) => /^<[2-7]>\{/.test(l)), 'every line has a priority')

  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const port = String((server.address() as { port: number }).port)
  const failed = await underJournal(t, ['--data', await tmp(t), '--port', port, '--offline'])
  t.is(failed.exit, 1)
  const fatal = failed.lines.at(-1) ?? ''
  t.ok(fatal.startsWith('<2>{'), fatal)
  const event = JSON.parse(fatal.slice(3))
  t.is(event.event, 'fatal')
  t.is(event.level, 'fatal')
  t.is(event.code, 'PORT_IN_USE', 'the busy port, coded')
})

test('a bad flag when logging JSON: one fatal JSON line on stdout, nothing on stderr, exit 2', async (t) => {
  for (const args of [['--port', 'x'], ['--prot', '1'], ['--log-level', 'loud']]) {
    const child = spawn(process.execPath, [BIN, 'daemon', '--data', await tmp(t), '--offline', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => { out += d.toString() })
    child.stderr.on('data', (d: Buffer) => { err += d.toString() })
    const [exit] = await once(child, 'exit')
    t.is(exit, 2, args.join(' '))
    t.is(err, '', 'nothing on stderr')
    const lines = out.split('\n').filter((l) => l !== '')
    t.is(lines.length, 1)
    const event = JSON.parse(lines[0])
    t.is(event.event, 'fatal')
    t.ok(['INVALID_OPTION', 'USAGE'].includes(event.code), event.error)
  }
})

test('access log at debug: method, route pattern, status, ms; never the token, path ids or query', async (t) => {
  const d = await spawnDaemon(t, await tmp(t), ['--log-level', 'debug'])
  const written = await d.api('POST', '/v1/entries', { type: 'note', data: 1 })
  await d.api('GET', `/v1/entries/${written.body.id as string}?secret=hunter2`)
  await d.api('GET', '/nowhere?token=hunter2')
  const got = await d.logged((e) => e.event === 'http' && e.route === '/v1/entries/:id')
  t.is(got.method, 'GET')
  t.is(got.status, 200)
  t.is(typeof got.ms, 'number')
  t.is(got.level, 'debug')
  const unmatched = await d.logged((e) => e.event === 'http' && e.route === 'unmatched')
  t.is(unmatched.status, 404)
  const text = JSON.stringify(d.log)
  t.absent(text.includes('hunter2'), 'no query string')
  t.absent(text.includes(d.token), 'no token')
  t.absent(text.includes(`/v1/entries/${written.body.id as string}`), 'no path with an id')
})
