/**
 * The daemon serves inside the example unit's sandbox, rebuilt without systemd: a mount namespace
 * with `/` read-only but the data folder (ProtectSystem=strict, StateDirectory=), a procfs showing
 * only the process's own pids (ProcSubset=pid, ProtectProc=invisible), no new privileges and no
 * capabilities in any set for an unprivileged user (NoNewPrivileges=, CapabilityBoundingSet=,
 * AmbientCapabilities=, User=), and a seccomp filter built from the unit's SystemCallFilter= and
 * RestrictAddressFamilies= lines with SystemCallErrorNumber=EPERM, as systemd would install it.
 * Not rebuilt: PrivateTmp, PrivateDevices, PrivateUsers, ProtectKernel*, the memory limits.
 *
 * Needs root, unshare and setpriv (util-linux) and python3 with libseccomp's bindings (Debian's
 * python3-seccomp); skipped with a message otherwise.
 */
import { spawnSync } from 'node:child_process'
import { chmod, chown, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import { spawnDaemon } from './helpers/daemon.js'
import { testnet, tmp } from './helpers/index.js'
import { allowedFamilies, allowedSyscalls, serviceSettings } from './helpers/unit-file.js'

/** The unprivileged user the daemon runs as (nobody). */
const UID = 65534

/** Loads the filter into this process, then execs argv[1:]; names libseccomp does not know are skipped. */
const SECCOMP = `
import errno, os, seccomp, socket, sys
f = seccomp.SyscallFilter(defaction=seccomp.ERRNO(errno.EPERM))
for name in os.environ.pop('SANDBOX_SYSCALLS').split():
    if name == 'socket': continue
    try: f.add_rule(seccomp.ALLOW, name)
    except Exception: pass
for family in os.environ.pop('SANDBOX_FAMILIES').split():
    f.add_rule(seccomp.ALLOW, 'socket', seccomp.Arg(0, seccomp.EQ, getattr(socket, family)))
f.load()
os.execv(sys.argv[1], sys.argv[1:])
`

/** Mounts, then drops to the user; "$1" is the data folder, "$2" python, the rest the daemon. */
const SANDBOX = `set -e
data="$1"; python="$2"; shift 2
mount -t proc -o subset=pid,hidepid=invisible proc /proc
mount --bind "$data" "$data"
mount -o remount,bind,ro /
exec setpriv --no-new-privs --reuid=${UID} --regid=${UID} --clear-groups --inh-caps=-all --ambient-caps=-all --bounding-set=-all -- "$python" -c "$SANDBOX_SECCOMP" "$@"`

/** A python3 with the seccomp module, or why there is none. */
function python (): string | { missing: string } {
  if (process.getuid?.() !== 0) return { missing: 'not root' }
  for (const [cmd, pkg] of [['unshare', 'util-linux'], ['setpriv', 'util-linux'], ['systemd-analyze', 'systemd']]) {
    if (spawnSync(cmd, ['--version']).error !== undefined) return { missing: `${cmd} not found; install ${pkg}` }
  }
  for (const candidate of ['python3', '/usr/bin/python3']) {
    if (spawnSync(candidate, ['-c', 'import seccomp']).status === 0) return candidate
  }
  return { missing: 'no python3 with the seccomp module; install python3-seccomp' }
}

const py = python()

if (typeof py === 'string') {
  test('the daemon serves, writes and stops cleanly inside the unit\'s sandbox', async (t) => {
    const settings = serviceSettings()
    t.is(settings.get('SystemCallErrorNumber')?.[0], 'EPERM', 'the unit denies with EPERM, as rebuilt here')
    const dir = await tmp(t)
    await chmod(dir, 0o711)
    const data = path.join(dir, 'data')
    await mkdir(data, { mode: 0o700 })
    await chown(data, UID, UID)
    const { bootstrap } = await testnet(t)
    const args = ['--bootstrap', (bootstrap ?? []).map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(','), '--dht-host', '127.0.0.1', '--lan-host', '127.0.0.1']
    const env = {
      ...process.env,
      SANDBOX_SECCOMP: SECCOMP,
      SANDBOX_SYSCALLS: [...allowedSyscalls(settings)].join(' '),
      SANDBOX_FAMILIES: [...allowedFamilies(settings)].join(' ')
    }
    const d = await spawnDaemon(t, data, args, { offline: false, env, wrapper: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', SANDBOX, 'sandbox', data, py] })
    const status = await readFile(`/proc/${String(d.child.pid)}/status`, 'utf8')
    const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(status)?.[1] ?? ''
    t.alike(['Uid', 'NoNewPrivs', 'Seccomp', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb'].map((f) => field(f).split(/\s+/)[0]),
      [String(UID), '1', '2', '0000000000000000', '0000000000000000', '0000000000000000', '0000000000000000'], 'the daemon runs as nobody, filtered, with no capabilities')
    const appended = await d.api('POST', '/v1/entries', { type: 'note', data: { sandboxed: true } })
    t.is(appended.status, 201, 'append')
    t.is((await d.api('GET', `/v1/entries/${String(appended.body.id)}`)).status, 200, 'read back')
    t.is((await d.api('GET', '/v1/status')).status, 200, 'status')
    t.is((await d.api('GET', '/healthz')).status, 200, 'healthz')
    t.is(await d.stop(), 0, 'SIGTERM: exit 0')
    t.absent(d.log.find((e) => e.level === 'error' || e.level === 'warn'), 'no errors or warnings logged')
  })
} else {
  test.skip(`systemd sandbox (skipped: ${py.missing})`, () => {})
}
