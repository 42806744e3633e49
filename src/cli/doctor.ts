/**
 * `meshledger doctor`'s checks: each answers ok, warn, fail or skip with a line of detail and,
 * short of ok, the fix. Read-only: nothing is created or tightened.
 */
import { createSocket } from 'node:dgram'
import { stat } from 'node:fs/promises'
import { get } from 'node:http'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { DaemonConfig } from '../daemon/config.js'
import { daemonFiles, runningDaemon, type DaemonInfo } from '../daemon/daemon.js'
import { freeBytes } from '../daemon/recovery.js'
import { loosePaths } from '../replica/permissions.js'
import { readRestoreMark } from '../replica/restore-mark.js'

/** How one check came out. */
export interface CheckResult {
  name: string
  status: 'ok' | 'warn' | 'fail' | 'skip'
  detail: string
  fix?: string
}

/** Node.js release lines tested. */
export const SUPPORTED_NODE = [20, 22, 24]
const ARCH_64 = new Set(['x64', 'arm64', 'ppc64', 's390x', 'riscv64', 'loong64'])
const PROBE_MS = 2000
/** Bound of the DHT check. */
export const DHT_TIMEOUT_MS = 5000
const LOW_DISK_BYTES = 64 * 1024 * 1024
const MDNS_GROUP = '224.0.0.251'
const FAR_FUTURE_MS = 20 * 365 * 24 * 3600 * 1000

const ok = (name: string, detail: string): CheckResult => ({ name, status: 'ok', detail })
const warn = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'warn', detail, fix })
const fail = (name: string, detail: string, fix: string): CheckResult => ({ name, status: 'fail', detail, fix })
const skip = (name: string, detail: string): CheckResult => ({ name, status: 'skip', detail })

/** Run every check on the folder and configuration; `offline` skips the network ones. */
export async function runChecks (config: DaemonConfig, offline: boolean): Promise<CheckResult[]> {
  const daemon = await probeDaemon(config.data)
  return [
    platform(),
    nodeVersion(),
    daemonCheck(config.data, daemon),
    await port(config, daemon),
    await modes(config.data),
    await encryption(config, daemon),
    await restored(config.data),
    await disk(config),
    await clock(),
    offline || config.offline || config.lanOnly ? skip('dht', offline || config.offline ? 'offline' : 'LAN only (--lan-only)') : await dht(config),
    offline || config.offline || !config.lan ? skip('multicast', offline || config.offline ? 'offline' : 'LAN discovery off (--no-lan)') : await multicast()
  ]
}

function platform (): CheckResult {
  return ARCH_64.has(process.arch) ? ok('os', `${process.platform} ${process.arch}, 64-bit`) : fail('os', `${process.platform} ${process.arch} is not 64-bit`, 'run on a 64-bit OS (on a Raspberry Pi: Raspberry Pi OS 64-bit); rocksdb-native ships 64-bit builds only')
}

function nodeVersion (): CheckResult {
  const major = Number(process.versions.node.split('.')[0])
  if (SUPPORTED_NODE.includes(major)) return ok('node', `Node.js ${process.versions.node} (supported: ${SUPPORTED_NODE.join(', ')})`)
  const fix = `install Node.js ${SUPPORTED_NODE.slice(-2).join(' or ')}`
  return major < SUPPORTED_NODE[0] ? fail('node', `Node.js ${process.versions.node} is too old`, fix) : warn('node', `Node.js ${process.versions.node} is not a tested release line`, fix)
}

/** The daemon daemon.json names, and whether it answers as itself at its address. */
interface DaemonProbe { info: DaemonInfo | null, answers: boolean }

async function probeDaemon (data: string): Promise<DaemonProbe> {
  const info = await runningDaemon(data)
  if (info === null) return { info, answers: false }
  const health = await healthz(info.url)
  return { info, answers: health?.pid === info.pid }
}

function daemonCheck (data: string, { info, answers }: DaemonProbe): CheckResult {
  if (info === null) return warn('daemon', `no daemon serves ${data}`, `start one: meshledger daemon --data ${data}`)
  if (answers) return ok('daemon', `running: pid ${info.pid} at ${info.url}`)
  return fail('daemon', `daemon.json names pid ${info.pid} at ${info.url}, but no meshledger daemon answers there`, `if none runs, remove ${daemonFiles(data).info}`)
}

async function port (config: DaemonConfig, { info, answers }: DaemonProbe): Promise<CheckResult> {
  if (config.port === 0) return ok('port', 'port 0: the daemon picks a free port')
  if (info !== null && answers && new URL(info.url).port === String(config.port)) return ok('port', `${config.host}:${config.port} is this folder's daemon (pid ${info.pid})`)
  const err = await listenError(config.host, config.port)
  if (err === null) return ok('port', `${config.host}:${config.port} is free`)
  const fix = `start with --port N (or --port 0), or stop what holds ${config.port}`
  if (err !== 'EADDRINUSE') return fail('port', `${config.host}:${config.port} cannot be bound (${err})`, fix)
  const other = await healthz(`http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`)
  if (typeof other?.pid === 'number') return fail('port', `${config.host}:${config.port} is held by another meshledger daemon (pid ${other.pid}, another data folder)`, fix)
  return fail('port', `${config.host}:${config.port} is in use by another program`, fix)
}

async function modes (data: string): Promise<CheckResult> {
  if (!await exists(data)) return warn('modes', `${data} does not exist yet`, 'meshledger init (or the daemon\'s first start) creates it owner-only')
  const loose = await loosePaths(data)
  if (loose.length === 0) return ok('modes', `${data}: owner-only (0700 folders, 0600 files)`)
  return fail('modes', `${loose.length} path(s) others may read, e.g. ${loose[0]}: the folder holds the device's secret key`, `chmod -R go-rwx ${data} (the daemon also tightens it on start)`)
}

async function encryption (config: DaemonConfig, daemon: DaemonProbe): Promise<CheckResult> {
  const store = daemonFiles(config.data).store
  if (!await exists(store)) return skip('encryption', 'no ledger in the folder yet')
  if (daemon.answers) return skip('encryption', 'the daemon holds the folder: see meshledger status')
  const { encryptionState } = await import('./encryption-state.js')
  const state = await encryptionState(store)
  if (state === 'locked') return skip('encryption', 'another process holds the folder')
  if (state === 'stored') return ok('encryption', 'the ledger\'s encryption key is stored')
  if (state === 'plain') return ok('encryption', 'the ledger is not encrypted')
  if (state === 'unknown') return warn('encryption', 'nothing of the ledger is here yet: cannot tell whether it needs an encryption key', 'let it sync once; a device should join with an invite (meshledger join), which brings the key')
  if (config.encryptionKey !== null) return ok('encryption', 'the ledger is encrypted; its key is given in the configuration')
  return fail('encryption', 'ENCRYPTION_KEY_REQUIRED: the ledger is encrypted and this folder lacks its key (it replicates ciphertext and applies nothing)', 'restart with --encryption-key KEY (from a member), or join again from a fresh folder with an invite (meshledger join)')
}

async function restored (data: string): Promise<CheckResult> {
  const mark = await readRestoreMark(daemonFiles(data).store).catch(() => null)
  if (mark === null) return ok('restore', 'not a restored folder awaiting its log')
  return warn('restore', `restored from a backup of ${new Date(mark.backupCreatedAt).toISOString()}: writes are refused (RESTORE_PENDING) until peers give back this device's log`, 'start the daemon online so it meets a peer holding this device\'s log')
}

async function disk (config: DaemonConfig): Promise<CheckResult> {
  let folder = config.data
  while (!await exists(folder) && path.dirname(folder) !== folder) folder = path.dirname(folder)
  const free = await freeBytes(folder)
  const mib = `${Math.floor(free / 1024 / 1024)} MiB free under ${folder}`
  if (free < config.minFreeBytes) return fail('disk', `${mib}: appends are refused below --min-free (${config.minFreeBytes} bytes)`, 'free space on that filesystem')
  if (free < LOW_DISK_BYTES) return warn('disk', `${mib}`, 'free space on that filesystem before it fills')
  return ok('disk', mib)
}

/** The clock against this build's date (peers' clocks are not asked: that costs a connection). */
async function clock (): Promise<CheckResult> {
  const built = (await stat(fileURLToPath(import.meta.url))).mtimeMs
  const now = Date.now()
  const fix = 'set the clock (timedatectl set-ntp true); entry times come from it'
  if (now < built) return fail('clock', `${new Date(now).toISOString()} is before this build (${new Date(built).toISOString()})`, fix)
  if (now > built + FAR_FUTURE_MS) return warn('clock', `${new Date(now).toISOString()} is far in the future`, fix)
  return ok('clock', `${new Date(now).toISOString()} (after this build; not compared with peers)`)
}

async function dht (config: DaemonConfig): Promise<CheckResult> {
  const { default: DHT } = await import('hyperdht')
  const nodes = (config.bootstrap ?? DHT.BOOTSTRAP).map(parseNode)
  const node = new DHT({ bootstrap: [], host: config.dhtHost ?? undefined, ephemeral: true })
  const fix = config.bootstrap === null ? 'allow outgoing UDP to the public DHT, or pass --bootstrap' : 'check --bootstrap and that UDP reaches those nodes'
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<null>((resolve) => { timer = setTimeout(() => resolve(null), DHT_TIMEOUT_MS) })
  try {
    await node.ready()
    const pings = Promise.any(nodes.map(async (n) => { await node.ping(n); return n })).catch(() => null)
    const reply = await Promise.race([pings, timeout])
    if (reply === null) return fail('dht', `no bootstrap node answered within ${DHT_TIMEOUT_MS / 1000} s (${nodes.map((n) => `${n.host}:${n.port}`).join(', ')})`, fix)
    return ok('dht', `bootstrap node ${reply.host}:${reply.port} answered`)
  } finally {
    clearTimeout(timer)
    await node.destroy()
  }
}

function parseNode (text: string | { host: string, port: number }): { host: string, port: number } {
  if (typeof text !== 'string') return text
  const bare = text.includes('@') ? text.slice(0, text.indexOf('@')) + text.slice(text.lastIndexOf(':')) : text
  const i = bare.lastIndexOf(':')
  return { host: bare.slice(0, i), port: Number(bare.slice(i + 1)) }
}

/** Join the mDNS group on a UDP socket, as LAN discovery does. */
async function multicast (): Promise<CheckResult> {
  const socket = createSocket({ type: 'udp4', reuseAddr: true })
  try {
    await new Promise<void>((resolve, reject) => { socket.once('error', reject); socket.bind(0, () => resolve()) })
    socket.addMembership(MDNS_GROUP)
    return ok('multicast', `joined the mDNS group ${MDNS_GROUP}`)
  } catch (err) {
    return fail('multicast', `cannot join the mDNS group ${MDNS_GROUP} (${(err as NodeJS.ErrnoException).code ?? String(err)}): no interface with multicast`, 'bring up an interface with multicast, or run with --no-lan and --peers')
  } finally {
    socket.close()
  }
}

/** `/healthz` of whatever answers at `url`, or null. */
async function healthz (url: string): Promise<{ pid?: unknown } | null> {
  return await new Promise((resolve) => {
    const req = get(new URL('/healthz', url), { agent: false, timeout: PROBE_MS }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => { text += c })
      res.on('end', () => { try { resolve(JSON.parse(text) as { pid?: unknown }) } catch { resolve(null) } })
    })
    req.on('timeout', () => req.destroy())
    req.on('error', () => resolve(null))
  })
}

async function listenError (host: string, port: number): Promise<string | null> {
  const server = createServer()
  return await new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? String(err)))
    server.listen(port, host, () => server.close(() => resolve(null)))
  })
}

async function exists (p: string): Promise<boolean> {
  return await stat(p).then(() => true, () => false)
}
