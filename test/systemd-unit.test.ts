/**
 * examples/systemd/meshledger.service: hardened to an exposure of 2.0 or less, and the daemon
 * still works under what it forbids. No systemd runs here, so the restrictions are checked two
 * ways: strace records what a daemon on the network does (every system call within the unit's
 * `SystemCallFilter=`, every socket of a family `RestrictAddressFamilies=` allows, every write in
 * its data folder), and a sandbox rebuilds the unit's main restrictions (seccomp allow list and
 * address families, no new privileges, no capabilities, an unprivileged user, a read-only root,
 * `ProcSubset=pid`/`ProtectProc=invisible`) and the daemon has to serve and stop cleanly in it.
 *
 * Each test skips with a message where its tools are missing (systemd-analyze, strace; root,
 * unshare, setpriv and python3-seccomp for the sandbox).
 */
import { spawnSync } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { spawnDaemon, type DaemonProcess } from './helpers/daemon.js'
import { testnet, tmp } from './helpers/index.js'
import { allowedFamilies, allowedSyscalls, UNIT } from './helpers/unit-file.js'

/** The highest exposure `systemd-analyze security` may rate the unit. */
const MAX_EXPOSURE = 2.0

function missing (...probes: Array<[string, string[], string]>): string | null {
  for (const [cmd, args, pkg] of probes) {
    const probe = spawnSync(cmd, args, { encoding: 'utf8' })
    if (probe.error !== undefined || probe.status !== 0) return `${cmd} not usable; install ${pkg}`
  }
  return null
}

const ANALYZE: [string, string[], string] = ['systemd-analyze', ['--version'], 'systemd']
const noAnalyze = missing(ANALYZE)

/** A networked daemon's work: DHT and LAN on loopback, an append, a read, a clean stop. */
async function exercise (t: test.Test, d: DaemonProcess): Promise<void> {
  const appended = await d.api('POST', '/v1/entries', { type: 'note', data: { n: 1 } })
  t.is(appended.status, 201, 'append')
  t.is((await d.api('GET', `/v1/entries/${String(appended.body.id)}`)).status, 200, 'read back')
  const health = await d.api('GET', '/healthz')
  t.is(health.status, 200, 'healthz')
  process.kill(Number(health.body.pid), 'SIGTERM')
  t.is(await d.exited, 0, 'SIGTERM: exit 0')
  t.absent(d.log.find((e) => e.level === 'error' || e.event === 'fatal'), 'no errors logged')
}

async function networked (t: test.Test): Promise<string[]> {
  const { bootstrap } = await testnet(t)
  return ['--bootstrap', (bootstrap ?? []).map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(','), '--dht-host', '127.0.0.1', '--lan-host', '127.0.0.1']
}

if (noAnalyze === null) {
  test(`systemd-analyze security rates the unit ${MAX_EXPOSURE} or less`, async (t) => {
    const run = spawnSync('systemd-analyze', ['security', '--offline=true', '--no-pager', UNIT], { encoding: 'utf8' })
    const score = /Overall exposure level for \S+: ([\d.]+)/.exec(run.stdout)
    t.ok(score, `systemd-analyze printed a score${run.stderr === '' ? '' : `: ${run.stderr.trim()}`}`)
    if (score === null) return
    t.comment(`exposure ${score[1]}`)
    t.ok(Number(score[1]) <= MAX_EXPOSURE, `exposure ${score[1]} <= ${MAX_EXPOSURE}`)
  })
} else {
  test.skip(`systemd unit: exposure score (skipped: ${noAnalyze})`, () => {})
}

const noStrace = noAnalyze ?? missing(['strace', ['-V'], 'strace'])
if (noStrace === null) {
  test('a networked daemon under strace stays within the unit: system calls, address families, writes', async (t) => {
    const dir = await tmp(t)
    const data = path.join(dir, 'data')
    const trace = path.join(dir, 'trace')
    const d = await spawnDaemon(t, data, await networked(t), { offline: false, wrapper: ['strace', '-f', '-qq', '-o', trace] })
    await exercise(t, d)
    const lines = (await readFile(trace, 'utf8')).split('\n')
    const used = new Set(lines.map((l) => /^\d+ +([a-z0-9_]+)\(/.exec(l)?.[1]).filter((s) => s !== undefined))
    const allowed = allowedSyscalls()
    t.ok(used.size > 50 && allowed.size > 200, `${used.size} system calls used, ${allowed.size} allowed`)
    t.alike([...used].filter((s) => !allowed.has(s) && s !== 'execve').sort(), [], 'every system call after exec is in SystemCallFilter=')
    const families = new Set(lines.map((l) => /\bsocket\((AF_[A-Z0-9]+)/.exec(l)?.[1]).filter((f) => f !== undefined))
    t.ok(families.has('AF_INET') && families.has('AF_NETLINK'), `families used: ${[...families].join(' ')}`)
    t.alike([...families].filter((f) => !allowedFamilies().has(f)), [], 'every socket family is in RestrictAddressFamilies=')
    const written = lines.map((l) => /\b(?:openat\(AT_FDCWD, "([^"]+)", [^)]*O_(?:WRONLY|RDWR|CREAT)|(?:mkdir|rename|unlink)\("([^"]+)")/.exec(l)).filter((m) => m !== null).map((m) => m[1] ?? m[2])
    t.ok(written.length > 0, `${written.length} writes`)
    t.alike(written.filter((p) => !p.startsWith(data + '/') && p !== data && p !== '/dev/null' && !p.startsWith('/proc/self/')), [], 'writes only in its data folder, /dev/null and its own /proc/self (thread names)')
    const proc = new Set(lines.map((l) => /openat\(AT_FDCWD, "(\/proc\/(?!self\/|thread-self\/|\d+\/)[^"]+)"/.exec(l)?.[1]).filter((p) => p !== undefined))
    t.comment(`read outside /proc/<pid> (hidden by ProcSubset=pid; see the sandbox test): ${[...proc].join(' ') || 'nothing'}`)
  })
} else {
  test.skip(`systemd unit: system calls under strace (skipped: ${noStrace})`, () => {})
}
