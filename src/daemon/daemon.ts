/**
 * The edge daemon: the ledger in a data folder, a local HTTP API with a bearer token, and a
 * `daemon.json` that tells local programs (and the `meshledger` command) where to find it.
 * Library, not process: no argv, no signal handlers (bin/ wires those).
 */
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, rm, writeFile, chmod } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import ReadyResource from 'ready-resource'
import { MeshledgerError } from '../errors.js'
import { Ledger } from '../ledger.js'
import type { DaemonConfig } from './config.js'
import { Router } from './http.js'
import type { Logger } from './logger.js'
import { Metrics } from './metrics.js'
import { installRoutes } from './routes.js'

/** What `<data>/daemon.json` holds while a daemon runs. */
export interface DaemonInfo {
  pid: number
  url: string
}

/**
 * The files a daemon keeps in its data folder. The ledger's storage gets a folder of its own:
 * on first creation the storage layer sweeps up files it does not know.
 */
export function daemonFiles (data: string): { info: string, token: string, store: string } {
  return { info: path.join(data, 'daemon.json'), token: path.join(data, 'api-token'), store: path.join(data, 'store') }
}

/** A running daemon on one data folder. */
export class Daemon extends ReadyResource {
  readonly config: DaemonConfig
  private readonly log: Logger
  private server: Server | null = null
  private metrics: Metrics | null = null
  private wroteInfo = false
  private readonly advertise: boolean
  /** The ledger, once open. */
  ledger: Ledger | null = null
  /** The API's base URL, once listening. */
  url = ''
  /** The bearer token, once read or created. */
  token = ''

  /**
   * `advertise: false` serves the API without writing daemon.json: for a command that opens the
   * storage in-process for one request, and must not look like a daemon to other commands.
   */
  constructor (config: DaemonConfig, log: Logger, { advertise = true }: { advertise?: boolean } = {}) {
    super()
    this.config = config
    this.log = log
    this.advertise = advertise
  }

  protected override async _open (): Promise<void> {
    const { data } = this.config
    const files = daemonFiles(data)
    await mkdir(data, { recursive: true })
    await refuseIfRunning(data)
    this.token = await readOrCreateToken(files.token)
    try {
      const ledger = new Ledger({
        storage: files.store,
        key: this.config.key,
        encryptionKey: this.config.encryptionKey,
        swarm: this.config.offline ? false : undefined,
        bootstrap: this.config.bootstrap ?? undefined,
        dhtHost: this.config.dhtHost ?? undefined,
        dht: !this.config.lanOnly,
        lan: this.config.lan,
        lanHost: this.config.lanHost ?? undefined,
        lanPort: this.config.lanPort ?? undefined,
        peers: this.config.peers,
        onNetworkEvent: ({ event, ...detail }) => {
          if (event === 'lan-listening') this.log.info(event, detail)
          else if (event === 'lan-warning' || event === 'peers-ignored') this.log.warn(event, detail)
          else this.log.debug(event, detail)
        },
        ackInterval: this.config.ackInterval,
        cacheSize: this.config.cacheSize,
        durable: this.config.durability === 'sync'
      })
      this.ledger = ledger
      ledger.on('peer-add', (p) => this.log.info('peer-add', { peer: p.publicKey, via: p.via, ...(p.address === undefined ? {} : { address: p.address }) }))
      ledger.on('peer-remove', (p) => this.log.info('peer-remove', { peer: p.publicKey }))
      ledger.on('peer-refused', (p) => this.log.warn('peer-refused', { peer: p.publicKey, via: p.via, reason: 'removed member' }))
      ledger.on('view-check', (peer, { result, position, length, hash }) => {
        // A peer confirming another history is the one thing here an operator must act on.
        if (result === 'mismatch') this.log.error('view-mismatch', { peer, position, length, hash })
        else this.log.debug('view-check', { peer, result, position, length })
      })
      ledger.on('writable', () => this.log.info('writable'))
      ledger.on('unwritable', () => this.log.warn('unwritable'))
      ledger.on('upgrade-required', (err) => this.log.error('upgrade-required', { error: err.message }))
      ledger.on('fork', (f) => this.log.error('fork-detected', { device: f.key, self: f.self }))
      ledger.on('storage-damaged', (err) => this.log.error('storage-damaged', { error: err.message, ...ledger.stats.ownLog }))
      ledger.on('storage-restored', () => this.log.info('storage-restored', ledger.stats.ownLog))
      ledger.on('warning', (err) => this.log.warn('warning', { error: String(err) }))
      await ledger.ready()

      const metrics = new Metrics(ledger)
      this.metrics = metrics
      const router = new Router({ token: this.token, maxBody: this.config.maxBodyBytes, onerror: (err) => this.log.error('http-error', { error: String((err as Error)?.stack ?? err) }) })
      installRoutes(router, ledger, metrics)
      const server = createServer((req, res) => { router.handle(req, res).catch(() => {}) })
      server.keepAliveTimeout = 30_000
      this.server = server
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject)
        server.listen(this.config.port, this.config.host, () => { server.off('error', reject); resolve() })
      })
      const address = server.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      this.url = `http://${host}:${address.port}`
      if (this.advertise) {
        await writeAtomic(files.info, JSON.stringify({ pid: process.pid, url: this.url } satisfies DaemonInfo) + '\n')
        this.wroteInfo = true
      }
    } catch (err) {
      await this.shutdown()
      throw err
    }
  }

  protected override async _close (): Promise<void> {
    await this.shutdown()
  }

  /** Best-effort per step, in reverse order of opening, so the storage lock is always released. */
  private async shutdown (): Promise<void> {
    const steps: Array<[string, () => Promise<void> | void]> = [
      ['http', () => closeServer(this.server)],
      ['metrics', () => this.metrics?.close()],
      ['ledger', () => this.ledger?.close()],
      ['daemon.json', async () => { if (this.wroteInfo) await rm(daemonFiles(this.config.data).info, { force: true }) }]
    ]
    for (const [name, step] of steps) {
      try {
        await step()
      } catch (err) {
        this.log.error('shutdown-step-failed', { step: name, error: String(err) })
      }
    }
  }
}

/** The daemon serving a data folder, or null when none runs (no daemon.json, or a dead pid). */
export async function runningDaemon (data: string): Promise<DaemonInfo | null> {
  let info: DaemonInfo
  try {
    info = JSON.parse(await readFile(daemonFiles(data).info, 'utf8')) as DaemonInfo
  } catch {
    return null
  }
  if (typeof info?.pid !== 'number' || typeof info.url !== 'string' || !alive(info.pid)) return null
  return info
}

async function refuseIfRunning (data: string): Promise<void> {
  const info = await runningDaemon(data)
  if (info === null || info.pid === process.pid) return // none, or a stale file from a crash
  throw MeshledgerError.daemonRunning(`a daemon (pid ${info.pid}) already serves this folder at ${info.url}`)
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function readOrCreateToken (file: string): Promise<string> {
  try {
    const token = (await readFile(file, 'utf8')).trim()
    if (token.length >= 32) return token
  } catch {}
  const token = randomBytes(32).toString('hex')
  await writeAtomic(file, token + '\n', 0o600)
  return token
}

async function writeAtomic (file: string, text: string, mode = 0o644): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode })
  await chmod(tmp, mode)
  await rename(tmp, file)
}

async function closeServer (server: Server | null): Promise<void> {
  if (server === null) return
  await new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeIdleConnections()
    // Streams (SSE) never go idle: end them so close can finish.
    setTimeout(() => server.closeAllConnections(), 1000).unref()
  })
}
