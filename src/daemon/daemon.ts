/**
 * The edge daemon: the ledger in a data folder, a local HTTP API with a bearer token, and a
 * `daemon.json` that tells local programs (and the `meshledger` command) where to find it.
 * Library, not process: no argv, no signal handlers (bin/ wires those).
 */
import { randomBytes } from 'node:crypto'
import { access, chmod, readFile, rename, rm, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import ReadyResource from 'ready-resource'
import { setTimeout as sleep } from 'node:timers/promises'
import { isMeshledgerError, MeshledgerError } from '../errors.js'
import { DaemonError } from './api-errors.js'
import { daemonFiles, runningDaemon, type DaemonInfo } from './daemon-info.js'
import { Ledger } from '../ledger.js'
import type { DaemonConfig } from './config.js'
import { routesOf } from './allow.js'
import { bearer } from './auth.js'
import { LastAudit } from './dashboard/audits.js'
import { installDashboard, sessionCookie } from './dashboard/install.js'
import { daemonFacts, keyProblem, type Problem } from './facts.js'
import { Sessions } from './dashboard/session.js'
import { EventHub } from './event-hub.js'
import { createApi, finishApi } from './http.js'
import type { Logger } from './logger.js'
import type { Metrics } from './metrics.js'
import { bestEffort } from '../replica/best-effort.js'
import { ownerOnly } from '../replica/permissions.js'
import { checkPort, explainListenError } from './port-check.js'
import { DEFAULT_RECOVERY_BACKOFF, freeBytes, waitForSpace } from './recovery.js'
import { installRoutes, type Health } from './routes/index.js'
import type { Api } from './schemas.js'
import { installBackupRoute } from './backup.js'

export { daemonFiles, runningDaemon, type DaemonInfo } from './daemon-info.js'

/** Events of a {@link Daemon}. */
export interface DaemonEvents {
  /**
   * The daemon cannot go on: its ledger failed for a reason it cannot wait out (anything but a
   * full disk), or reopening failed. The process should exit non-zero so a supervisor restarts it.
   */
  fatal: [unknown]
}

/**
 * A running daemon on one data folder. When the disk fills, the ledger declines the write with
 * `STORAGE_FULL` (HTTP 507) and closes itself; the daemon then answers `STORAGE_FULL` and
 * `/healthz` 503 until the disk has room again, and reopens the ledger in place.
 */
export class Daemon extends ReadyResource {
  readonly config: DaemonConfig
  private readonly log: Logger
  private api: Api | null = null
  private metrics: Metrics | null = null
  private wroteInfo = false
  private readonly advertise: boolean
  private fault: MeshledgerError | null = null
  private recovering: Promise<void> | null = null
  private readonly stopping = new AbortController()
  /** The ledger served now (replaced when it is reopened after a full disk). */
  ledger: Ledger | null = null
  /** The API's base URL, once listening. */
  url = ''
  /** The bearer token, once read or created. */
  token = ''
  /** Times the ledger was reopened after its disk filled up. */
  recoveries = 0
  /** Set when the ledger cannot be read here: joined by key, without its encryption key. */
  private keyMissing: Problem | null = null

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

  /**
   * Whether the ledger is up and can take writes, and if not, why: `STORAGE_FULL` while the disk
   * has less than `minFreeBytes` free (appends are declined) or the ledger waits to reopen.
   */
  async health (): Promise<Health> {
    const ledger = this.ledger
    const up = this.fault === null && ledger !== null && ledger.opened && ledger.closing === null && ledger.fault === null
    if (!up) {
      const failure = this.fault ?? ledger?.fault ?? null
      return { ready: false, error: failure instanceof MeshledgerError ? failure : MeshledgerError.ledgerClosed() }
    }
    const full = await ledger.storageCheck()
    return { ready: full === null, error: full }
  }

  protected override async _open (): Promise<void> {
    const { data } = this.config
    const files = daemonFiles(data)
    // The port first: a busy one fails the start at once, with nothing created.
    await checkPort(this.config.host, this.config.port, data)
    const existed = await existing([data, files.token, files.store])
    const loosened = await ownerOnly(data)
    if (loosened.length > 0) this.log.warn('permissions-tightened', { folder: data, paths: loosened.length, note: 'the data folder holds secrets: now owner-only (0700 folders, 0600 files)' })
    this.token = await readOrCreateToken(files.token)
    try {
      // The storage lock says whether another process holds the folder; daemon.json only says
      // where it listens (after a power cut it may name a live, unrelated pid).
      this.ledger = await this.openLedger().catch(async (err: unknown) => { throw await whoHolds(data, err) })

      // prom-client takes a while to load: a command that only talks to a running daemon never does.
      const { Metrics } = await import('./metrics.js')
      const metrics = new Metrics({ ledger: () => this.ledger$(), ready: async () => (await this.health()).ready, data })
      this.metrics = metrics
      const sessions = new Sessions(this.token)
      const api = await createApi({
        maxBody: this.config.maxBodyBytes,
        authenticators: [bearer(this.token), sessionCookie(sessions)],
        onerror: (err) => this.log.error('http-error', { error: String((err as Error)?.stack ?? err) }),
        // The access log: the route's pattern, never the path or query (tokens, ids of secrets).
        onresponse: ({ method, route, status, ms }) => {
          metrics.observeHttp(method, route, status, ms / 1000)
          this.log.debug('http', { method, route, status, ms: Math.round(ms * 10) / 10 })
        }
      })
      this.api = api
      const hub = new EventHub(() => this.ledger$())
      // Streams never end by themselves: end them first, so closing waits only for requests.
      api.addHook('preClose', async () => { hub.close() })
      const audits = new LastAudit()
      installRoutes(api, { ledger: () => this.ledger$(), metrics, health: () => this.health(), audits, facts: () => daemonFacts(this.config, this.keyMissing === null ? [] : [this.keyMissing]) }, hub)
      await installBackupRoute(api, () => this.ledger$(), data)
      await installDashboard(api, sessions, audits, () => this.ledger$())
      finishApi(api)
      await api.listen({ port: this.config.port, host: this.config.host })
        .catch(async (err: unknown) => { throw await explainListenError(err, this.config.host, this.config.port, data) })
      const address = api.server.address() as AddressInfo
      const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
      this.url = `http://${host}:${address.port}`
      if (this.advertise) {
        await writeAtomic(files.info, JSON.stringify({ pid: process.pid, url: this.url } satisfies DaemonInfo) + '\n')
        this.wroteInfo = true
      }
    } catch (err) {
      const keys = this.ledger === null ? {} : { ledger: this.ledger.key, device: this.ledger.deviceKey }
      await this.shutdown()
      const created = (await existing([data, files.token, files.store])).filter((p) => !existed.includes(p))
      if (created.length > 0) this.log.warn('created', { paths: created, ...keys, note: 'made before the start failed; the next start uses them' })
      throw err
    }
  }

  protected override async _close (): Promise<void> {
    await this.shutdown()
  }

  /** The API's routes (method and path pattern, e.g. `/v1/entries/:id`), once open. */
  get routes (): Array<{ method: string, url: string }> {
    return this.api === null ? [] : routesOf(this.api)
  }

  private ledger$ (): Ledger {
    if (this.ledger === null) throw MeshledgerError.ledgerClosed()
    return this.ledger
  }

  /** Open the ledger in the data folder, its events wired to the log and to recovery. */
  private async openLedger (): Promise<Ledger> {
    const ledger = new Ledger({
      storage: daemonFiles(this.config.data).store,
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
      durable: this.config.durability === 'sync',
      minFreeBytes: this.config.minFreeBytes
    })
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
    this.keyMissing = null
    // Joined by key alone, the device replicates ciphertext and applies nothing: say so, loudly.
    ledger.on('encryption-key-required', (err) => {
      this.keyMissing = keyProblem(err)
      this.log.error('encryption-key-required', { code: err.code, error: this.keyMissing.message })
    })
    ledger.on('upgrade-required', (err) => this.log.error('upgrade-required', { error: err.message }))
    ledger.on('fork', (f) => this.log.error('fork-detected', { device: f.key, self: f.self }))
    ledger.on('storage-damaged', (err) => this.log.error('storage-damaged', { error: err.message, ...ledger.stats.ownLog }))
    ledger.on('storage-restored', () => this.log.info('storage-restored', ledger.stats.ownLog))
    ledger.on('warning', (err) => this.log.warn('warning', { error: String(err) }))
    ledger.on('permissions-tightened', ({ folder, paths }) => this.log.warn('permissions-tightened', { folder, paths: paths.length }))
    ledger.on('fault', (err) => this.faulted(ledger, err))
    await ledger.ready()
    return ledger
  }

  /**
   * The ledger's storage failed and Autobase closed it. A full disk is waited out in place: an
   * exit would only crash-loop while the disk stays full (opening writes too), and leave clients
   * with refused connections instead of a coded answer. Anything else is fatal.
   */
  private faulted (ledger: Ledger, err: Error): void {
    if (ledger !== this.ledger || this.closing !== null || this.recovering !== null) return
    if (!isMeshledgerError(err, 'STORAGE_FULL')) {
      this.log.error('ledger-failed', { error: String(err) })
      this.emit('fatal', err)
      return
    }
    this.fault = err
    this.recovering = this.recover(ledger, err)
      .catch((e: unknown) => {
        if (this.closing !== null) return
        this.log.error('recovery-failed', { error: String(e) })
        this.emit('fatal', e)
      })
      .finally(() => { this.recovering = null })
  }

  /** Close the failed ledger, wait for free space, reopen; until then every call answers the fault. */
  private async recover (failed: Ledger, fault: MeshledgerError): Promise<void> {
    const started = performance.now()
    const { data, minFreeBytes } = this.config
    this.log.error('storage-full', { error: fault.message, free: await freeBytes(data).catch(() => null), minFree: minFreeBytes })
    // Acknowledged entries are in RocksDB's log already; closing releases the storage lock.
    await failed.close().catch((err: unknown) => this.log.warn('close-failed', { error: String(err) }))
    const signal = this.stopping.signal
    while (true) {
      const free = await waitForSpace(data, { minFree: minFreeBytes, signal, onwait: (bytes, next) => this.log.debug('storage-still-full', { free: bytes, next }) })
      let ledger: Ledger
      try {
        ledger = await this.openLedger()
      } catch (err) {
        if (!isMeshledgerError(err, 'STORAGE_FULL')) throw err
        this.log.warn('reopen-failed', { error: err.message, free })
        await sleep(DEFAULT_RECOVERY_BACKOFF[1], undefined, { signal })
        continue
      }
      if (this.closing !== null) {
        await ledger.close()
        return
      }
      this.ledger = ledger
      this.fault = null
      this.recoveries++
      this.log.info('storage-recovered', { ms: Math.round(performance.now() - started), free })
      return
    }
  }

  /** Best-effort per step, in reverse order of opening, so the storage lock is always released. */
  private async shutdown (): Promise<void> {
    await bestEffort([
      ['http', () => closeApi(this.api)],
      ['metrics', () => this.metrics?.close()],
      ['recovery', async () => { this.stopping.abort(MeshledgerError.ledgerClosed()); await this.recovering }],
      ['ledger', () => this.ledger?.close()],
      ['daemon.json', async () => { if (this.wroteInfo) await rm(daemonFiles(this.config.data).info, { force: true }) }]
    ], (err, step) => this.log.error('shutdown-step-failed', { step, error: String(err) }))
  }
}

/**
 * Why the ledger would not open: a folder locked by a process that daemon.json names as a live
 * daemon is `DAEMON_RUNNING` with its address; any other error is returned as it is.
 */
async function whoHolds (data: string, err: unknown): Promise<unknown> {
  if (!isMeshledgerError(err, 'STORAGE_LOCKED')) return err
  const info = await runningDaemon(data)
  if (info === null) return err
  return DaemonError.daemonRunning(`a daemon (pid ${info.pid}) already serves this folder at ${info.url}`)
}

/** Those of `paths` that exist. */
async function existing (paths: string[]): Promise<string[]> {
  const found = await Promise.all(paths.map(async (p) => await access(p).then(() => true, () => false)))
  return paths.filter((_, i) => found[i])
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

async function writeAtomic (file: string, text: string, mode = 0o600): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`
  await writeFile(tmp, text, { mode })
  await chmod(tmp, mode)
  await rename(tmp, file)
}

/** Stop accepting requests and wait for those in flight; connections still open after 1 s are cut. */
async function closeApi (api: Api | null): Promise<void> {
  if (api === null) return
  const cut = setTimeout(() => api.server.closeAllConnections(), 1000)
  cut.unref()
  try {
    await api.close()
  } finally {
    clearTimeout(cut)
  }
}
