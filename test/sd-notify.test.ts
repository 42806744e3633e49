/**
 * Readiness for systemd (`Type=notify` in examples/systemd/meshledger.service): the daemon tells
 * `$NOTIFY_SOCKET` READY=1 once it serves, and STOPPING=1 when it begins to stop. No systemd runs
 * here, so python3 plays the service manager: it binds the AF_UNIX datagram socket (Node cannot),
 * prints each message and, like systemd, closes the barrier fd `systemd-notify` passes.
 *
 * Needs python3 and systemd-notify (Debian's `systemd`); skipped with a message otherwise.
 */
import { spawn, spawnSync } from 'node:child_process'
import { once } from 'node:events'
import fs from 'node:fs/promises'
import path from 'node:path'
import { createInterface } from 'node:readline'
import test from 'brittle'
import { spawnDaemon } from './helpers/daemon.js'
import { tmp } from './helpers/index.js'

const LISTENER = `
import array, json, os, socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
print(json.dumps('LISTENING'), flush=True)
while True:
    msg, anc, _, _ = s.recvmsg(4096, socket.CMSG_SPACE(16 * 4))
    print(json.dumps(msg.decode()), flush=True)
    for level, kind, data in anc:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            fds = array.array('i')
            fds.frombytes(data[:len(data) - len(data) % fds.itemsize])
            for fd in fds: os.close(fd)
`

/** Why the test cannot run here, or null. */
function unavailable (): string | null {
  for (const [cmd, arg, pkg] of [['python3', '--version', 'python3'], ['systemd-notify', '--version', 'systemd']]) {
    const probe = spawnSync(cmd, [arg], { encoding: 'utf8' })
    if (probe.error !== undefined || probe.status !== 0) return `${cmd} not found; install ${pkg}`
  }
  return null
}

/** A stand-in service manager on `<dir>/notify.sock`; `messages()` stops it and returns what it got. */
async function notifyListener (t: test.Test, dir: string): Promise<{ socket: string, messages: () => Promise<string[]> }> {
  const socket = path.join(dir, 'notify.sock')
  const child = spawn('python3', ['-c', LISTENER, socket], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill() })
  const got: string[] = []
  const lines = createInterface({ input: child.stdout })
  const closed = once(lines, 'close')
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the python3 listener exited ${String(code)} before listening`)))
    lines.on('line', (line) => {
      const message = JSON.parse(line) as string
      if (message === 'LISTENING') resolve()
      else got.push(message)
    })
  })
  return {
    socket,
    messages: async () => {
      child.kill()
      await closed
      return got.filter((m) => m !== 'BARRIER=1')
    }
  }
}

const reason = unavailable()

if (reason === null) {
  test('the daemon tells $NOTIFY_SOCKET READY=1 once it serves, and STOPPING=1 when it stops', async (t) => {
    const dir = await tmp(t)
    const manager = await notifyListener(t, dir)
    const d = await spawnDaemon(t, path.join(dir, 'data'), [], { env: { ...process.env, NOTIFY_SOCKET: manager.socket } })
    t.is((await d.api('GET', '/healthz')).status, 200)
    t.is(await d.stop(), 0)
    t.alike(await manager.messages(), [`READY=1\nSTATUS=serving ${d.url}`, 'STOPPING=1'])
    t.absent(d.log.find((e) => e.event === 'sd-notify-failed'))
  })

  test('STOPPING=1 follows READY=1 even when READY=1 is slow to go out (a loaded machine)', async (t) => {
    const dir = await tmp(t)
    const manager = await notifyListener(t, dir)
    // A systemd-notify that starts slowly for READY=1, as a child does on a loaded machine: the
    // daemon stops while that message is still on its way.
    const real = spawnSync('sh', ['-c', 'command -v systemd-notify'], { encoding: 'utf8' }).stdout.trim()
    const bin = path.join(dir, 'bin')
    await fs.mkdir(bin)
    await fs.writeFile(path.join(bin, 'systemd-notify'), `#!/bin/sh\ncase "$1" in READY=1) sleep 1.5 ;; esac\nexec ${real} "$@"\n`, { mode: 0o755 })
    const env = { ...process.env, NOTIFY_SOCKET: manager.socket, PATH: `${bin}:${process.env.PATH ?? ''}` }
    const d = await spawnDaemon(t, path.join(dir, 'data'), [], { env })
    t.is(await d.stop(), 0)
    t.alike(await manager.messages(), [`READY=1\nSTATUS=serving ${d.url}`, 'STOPPING=1'], 'in the order the daemon spoke')
  })

  test('a $NOTIFY_SOCKET nobody listens on is a warning, not a failure', async (t) => {
    const dir = await tmp(t)
    const d = await spawnDaemon(t, path.join(dir, 'data'), [], { env: { ...process.env, NOTIFY_SOCKET: path.join(dir, 'nobody.sock') } })
    const warned = await d.logged((e) => e.event === 'sd-notify-failed')
    t.alike(warned.sent, ['READY=1', `STATUS=serving ${d.url}`])
    t.is((await d.api('GET', '/healthz')).status, 200, 'still serving')
    t.is(await d.stop(), 0)
  })
} else {
  test.skip(`sd-notify: readiness over $NOTIFY_SOCKET (skipped: ${reason})`, () => {})
}
