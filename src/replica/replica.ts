/**
 * The resources of one open replica and their lifecycle: the store, the Autobase on it, the view
 * feed, writer progress, the view check, the ack watchdog, this device's own log, the network and
 * pairing. Opened in order, closed in reverse; reopened whole once this device's log, found short
 * on open, is restored from peers. Faults and interruptions that stop the replica are kept here.
 */
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import path from 'node:path'
import safetyCatch from 'safety-catch'
import { roleOf } from '../apply/membership.js'
import { protocolRecord } from '../apply/protocol-activation.js'
import { MeshledgerError } from '../errors.js'
import { decodeKey, encodeKey, type SwarmKey } from '../keys.js'
import type { LedgerEvents, LedgerMode, LedgerOptions } from '../ledger-types.js'
import type { Network } from '../net/network.js'
import type { PairingMember } from '../net/pairing.js'
import { ViewCheck, type PeerViewCheck } from '../net/view-check.js'
import { createSealer, type Sealer } from '../proofs/seal.js'
import type { Entry } from '../protocol/entry.js'
import type { EntryAddress } from '../protocol/entry-id.js'
import { PROTOCOL_VERSION, type EntryInput } from '../protocol/ops.js'
import { readEntry } from '../view/entry-reads.js'
import { FOLLOW_SPACING_MS, LOCAL_INDEX_FOLDER, LocalIndex } from '../view/local-index.js'
import { ViewFeed } from '../view/view-feed.js'
import { AckWatchdog } from './ack-watchdog.js'
import { AppendPath } from './append-path.js'
import { bestEffort } from './best-effort.js'
import { CatchUpSettle } from './catch-up-settle.js'
import { DeviceDuties } from './duties.js'
import { watchForEncryption } from './encryption-watch.js'
import { createLedgerBase } from './ledger-base.js'
import { ViewPrefetch } from './view-prefetch.js'
import { cancelPendingReads } from './pending-reads.js'
import { OwnLog } from './own-log.js'
import { Upkeep } from './upkeep.js'
import { ownerOnly } from './permissions.js'
import { DEFAULT_CACHE_SIZE } from './storage-defaults.js'
import { openStore, storedLedgerKey, type WalSync } from './storage.js'
import { isDiskFull, storageFailure } from './storage-errors.js'
import { WriterTracker } from './writer-tracker.js'

/** Default ack interval (ms): how soon indexers acknowledge new data so it can become final. */
export const DEFAULT_ACK_INTERVAL = 200

/** See storage.ts. */
export { DEFAULT_CACHE_SIZE }

/** What the replica needs of the ledger that owns it; read at each call. */
export interface ReplicaHost {
  /** A ledger event for the ledger's listeners. */
  emit<E extends keyof LedgerEvents> (event: E, ...args: LedgerEvents[E]): void
  /** Whether the ledger is closing. */
  closing (): boolean
  /** A public append (pairing admits devices through it). */
  append (input: EntryInput): Promise<Entry>
  /** Stop what reads the replica (audits, watchers) before it closes; the audit signal is aborted already. */
  quiesce (): Promise<void>
}

/** Internal: the resources of one device's replica of a ledger. */
export class Replica {
  readonly options: LedgerOptions
  readonly appends: AppendPath
  readonly duties: DeviceDuties
  store: Corestore | null = null
  base: Autobase<Hyperbee> | null = null
  network: Network | null = null
  feed: ViewFeed | null = null
  /** The index segments of protocol-7 blocks, derived from the view on this device. */
  index: LocalIndex | null = null
  tracker: WriterTracker | null = null
  checker: ViewCheck | null = null
  watchdog: AckWatchdog | null = null
  prefetch: ViewPrefetch | null = null
  ownLog: OwnLog | null = null
  /** Blocks applied since open, each again when a reorder applied it again. */
  applied = 0
  /** Memory-reducing GCs after catch-ups since open, across restarts. */
  heapSettles = 0
  private catchUp: CatchUpSettle | null = null
  /** Why this device stopped writing (an upgrade, its own log forked), or null. */
  interruption: MeshledgerError | null = null
  /** The fatal storage failure, once there was one. */
  fault: Error | null = null
  mode: LedgerMode | null = null
  /** `ENCRYPTION_KEY_REQUIRED` once a joiner without the key is sure it needs it. */
  keyMissing: MeshledgerError | null = null
  sealer: Sealer | undefined = undefined
  /** Aborted when the replica closes (or restarts): audits and the own log's restore stop. */
  audits = new AbortController()
  /** What runs when the view moves, coalesced (upkeep.ts); the local index's catch-ups, spaced. */
  private upkeep = new Upkeep(() => this.upkeepPass())
  private indexing = new Upkeep(async () => this.index?.poke(), FOLLOW_SPACING_MS)
  private readonly host: ReplicaHost
  private wal: WalSync | null = null
  private restarting: Promise<void> | null = null
  /** What `writable` / `unwritable` last said. */
  private announcedWritable = false
  /** A view append's update is queued (see viewAppended). */
  private appendAnnounced = false
  /** The view as the last update announced it. */
  private announced = { length: 0, fork: 0 }
  /** Set while `ready()` opens: writability as opened is no change to announce. */
  private opening = false
  /** How many restarts have begun: a call that sees it change was overtaken by one. */
  restarts = 0
  private pairing: PairingMember | null = null
  private boot: Hypercore | null = null

  constructor (options: LedgerOptions, host: ReplicaHost) {
    this.options = options
    this.host = host
    this.appends = new AppendPath({
      storage: options.storage,
      minFreeBytes: options.minFreeBytes,
      durable: options.durable === true,
      base: () => this.base,
      fault: () => this.fault,
      interruption: () => this.interruption,
      storageDamage: () => this.storageDamage,
      writeReady: () => this.prefetch?.writeReady === true,
      untilWriteReady: async () => await this.prefetch?.untilWriteReady() ?? false,
      forked: () => this.tracker?.forked === true,
      wal: () => this.wal,
      ownLog: () => this.ownLog,
      sealer: () => this.sealer,
      failed: (err) => this.failed(err)
    })
    this.duties = new DeviceDuties({
      base: () => this.base,
      writable: () => this.writable,
      closing: () => host.closing(),
      swarmKey: () => this.network?.swarmKey ?? null,
      commit: (base, input) => this.appends.commit(base, input),
      read: (base, addr) => this.read(base, addr),
      selfForked: () => { this.interruption = MeshledgerError.forked('this device\'s log was also written by a copy of its data folder; join again from a fresh folder') },
      fork: (report) => host.emit('fork', report),
      warn: (err) => host.emit('warning', err)
    })
  }

  /** Whether this device may append now. */
  get writable (): boolean {
    return this.memberReady && this.interruption === null && this.storageDamage === null
  }

  /** A member of the ledger holding what its appends read (view-prefetch.ts `writeReady`). */
  private get memberReady (): boolean {
    return this.base?.writable === true && this.prefetch?.writeReady === true
  }

  /**
   * Say `writable` / `unwritable` when Autobase's writability or the prefetch's readiness moved
   * it (an admitted device is writable once what its appends read is here: view-prefetch.ts).
   */
  private writableChanged (): void {
    const writable = this.memberReady
    if (writable === this.announcedWritable) return
    this.announcedWritable = writable
    if (this.opening) return // as opened, not a change: `ready` says it
    if (!writable) return this.host.emit('unwritable')
    this.host.emit('writable')
    this.duties.announceSwarmKey()
  }

  /** Set while this device's store holds less of its own log than it recorded as written. */
  get storageDamage (): MeshledgerError | null {
    return this.ownLog?.damage ?? null
  }

  /** Whether this device is an indexer (helps sign finality). */
  get isIndexer (): boolean {
    return this.base !== null && this.base.isIndexer
  }

  /** The entry at `addr` as this device's view holds it, or null. */
  async read (base: Autobase<Hyperbee>, addr: EntryAddress): Promise<Entry | null> {
    return readEntry(this.store as Corestore, base, addr)
  }

  /** Open the store and everything on it. */
  async ready (): Promise<void> {
    this.opening = true
    try {
      await this.start()
    } finally {
      this.opening = false
    }
  }

  /** Close what was opened (after a restart under way), in reverse order. */
  async close (): Promise<void> {
    this.audits.abort(MeshledgerError.ledgerClosed()) // a restart waiting to write again stops waiting
    await this.restarting
    await this.teardown()
  }

  /** Open the store and everything on it (again, after this device's log was restored). */
  private async start (): Promise<void> {
    const { storage, key = null, ackInterval = DEFAULT_ACK_INTERVAL, cacheSize = DEFAULT_CACHE_SIZE } = this.options
    const host = this.host
    this.reset()
    // Owner-only before RocksDB writes a key into it; files it creates on open are tightened too.
    const loosened = await ownerOnly(storage)
    if (loosened.length > 0) host.emit('permissions-tightened', { folder: storage, paths: loosened })
    const { store, wal } = await openStore(storage, cacheSize)
    this.catchUp = new CatchUpSettle(this.options.catchUpSettle ?? {}, () => {
      this.heapSettles++
      host.emit('heap-settled')
    })
    await ownerOnly(storage)
    this.store = store
    this.wal = wal
    const ownLog = new OwnLog(storage, wal)
    this.ownLog = ownLog

    try {
      const existing = await storedLedgerKey(store)
      const wanted = key === null ? null : decodeKey(key, 'key')
      if (existing !== null && wanted !== null && !existing.equals(wanted)) {
        throw MeshledgerError.ledgerMismatch(`${storage} holds ledger ${encodeKey(existing)}, not ${encodeKey(wanted)}`)
      }
      const mode: LedgerMode = existing !== null ? 'opened' : wanted !== null ? 'joined' : 'created'
      this.mode = mode
      await ownLog.inspect(store, existing)
      const damaged = ownLog.damage !== null

      const encryptionKey = this.options.encryptionKey == null ? null : decodeKey(this.options.encryptionKey, 'encryptionKey')
      const base = createLedgerBase(store, existing ?? wanted, {
        fastForward: this.options.fastForward !== false,
        // New ledgers are encrypted unless asked not to be; joiners bring the key (autobase keeps it).
        encrypt: mode === 'created' && this.options.encrypt !== false,
        encryptionKey,
        // A damaged device must not ack: an ack is a block of its log, signed at an index its
        // peers already hold another block at (a fork). Restored, the ledger reopens with acks.
        ackInterval: damaged ? 0 : ackInterval,
        applied: (blocks) => {
          this.applied += blocks
          this.catchUp?.applied(blocks)
        }
      })
      this.base = base
      base.on('interrupt', (reason: unknown) => this.interrupted(reason))
      base.on('update', () => this.updated())
      // The view holds a pass's entries once its first flush commits them; Autobase's 'update'
      // comes at the end of the pass, after more flushes (on a follower, the one committing the
      // indexers' signatures: 2-7 ms of a propagated entry's ~10 on the device that receives it).
      base.view.core.on('append', () => this.viewAppended(base))
      base.on('writable', () => this.writableChanged())
      base.on('unwritable', () => this.writableChanged())
      base.on('warning', (w: unknown) => host.emit('warning', w))
      // Autobase emits 'error' only for a fatal failure, after which it closes itself.
      base.on('error', (err: unknown) => this.failed(err))
      await base.ready()
      // Member logs wait while the view is fetched (see WriterTracker.fetchLogs).
      const prefetch = new ViewPrefetch(base, {
        onlocal: (local) => {
          this.tracker?.fetchLogs(local)
          if (local) this.upkeep.poke() // the passes skipped while it was being fetched
        },
        onready: () => this.writableChanged(),
        system: this.options.fastForward !== false
      })
      this.prefetch = prefetch
      prefetch.start()
      this.writableChanged()
      // Reads of a fast-forwarded view that is not local yet would wait for peers, and the network
      // starts below: those reads run once the view is (see view-prefetch.ts).
      const local = prefetch.local
      // A ledger that activated a protocol this code does not know stays stopped across restarts.
      if (local) await this.checkProtocol(base)
      const secretKey = base.local.keyPair?.secretKey ?? null
      if (secretKey !== null) this.sealer = createSealer(base.key, base.local.key, secretKey)
      await ownLog.attach(base.local, base.key)
      this.watchdog = new AckWatchdog(base, base.view.core, ackInterval)
      if (!damaged) this.watchdog.start()

      this.feed = new ViewFeed(base.view)
      const index = new LocalIndex(path.join(storage, LOCAL_INDEX_FOLDER), base.view, (err) => host.emit('warning', err))
      this.index = index
      await index.ready()
      // It reads every view block: a fast-forwarded view's are fetched first (see view-prefetch.ts),
      // or its reads would wait on peers, and a close on that wait (no peer, no handle) hung.
      if (prefetch.local) index.start()
      else prefetch.whenLocal().then(() => index.start(), (err: unknown) => { if (base.closing === null) host.emit('warning', err) })
      this.tracker = new WriterTracker(store, base.view, base.local.key, () => this.network?.enforce(), (evidence) => this.duties.forkDetected(evidence))
      this.tracker.fetchLogs(prefetch.local)
      // Asked again, not `local`: opening can move the view on since (a restored device whose log
      // came back applies it and adopts the peers' signed view, whose blocks are not here yet),
      // and a read of a missing block here would wait for the network, which opens below.
      if (prefetch.local) await this.tracker.refresh()
      else {
        const tracker = this.tracker
        prefetch.whenLocal().then(async () => {
          await this.checkProtocol(base)
          await tracker.refresh()
        }).catch((err: unknown) => { if (base.closing === null) host.emit('warning', err) })
      }
      const checker = new ViewCheck(base.view, base.discoveryKey)
      this.checker = checker
      checker.on('check', (peer: SwarmKey, check: PeerViewCheck) => host.emit('view-check', peer, check))
      checker.on('warning', (err: unknown) => host.emit('warning', err))
      await checker.ready()
      if (mode === 'created' && base.local.length === 0) {
        // The genesis block: the creator records itself as the first indexer, and activates the
        // protocol it was asked to create the ledger under.
        await this.appends.genesis(base, this.options.protocol ?? PROTOCOL_VERSION)
      }

      if (this.options.swarm !== false) {
        // Loaded here: an offline ledger (`swarm: false`, the daemon's --offline) never loads
        // Hyperswarm, HyperDHT and the LAN discovery (test/offline-modules.test.ts).
        const { createNetwork, createPairing } = await import('./peer-wiring.js')
        this.network = createNetwork(store, base, this.options, {
          denied: (key) => this.tracker?.denied.has(key.toString('hex')) === true,
          stream: (stream) => checker.attach(stream),
          peer: (event, p) => host.emit(event, p)
        })
        await this.network.open()
        this.pairing = createPairing(this.network, base, (input) => host.append(input), (err) => host.emit('warning', err))
      }
      // Joined, or reopened after joining by key alone: a ledger created here knows its key.
      if (mode !== 'created' && base.encryptionKey === null) {
        this.boot = watchForEncryption(store, base, (missing) => {
          if (this.keyMissing !== null) return
          this.keyMissing = missing
          host.emit('encryption-key-required', missing)
        })
      }
      this.duties.announceSwarmKey()
      if (ownLog.damage !== null) {
        host.emit('storage-damaged', ownLog.damage)
        this.restoreOwnLog(store, base, ownLog)
      }
    } catch (err) {
      await this.teardown()
      // A block that fails its checksum on the way up is STORAGE_DAMAGED (or STORAGE_FULL), never a bare EIO.
      throw storageFailure(err) ?? err
    }
  }

  /** Fresh per-open state (the ledger reopens itself once its own log is restored). */
  private reset (): void {
    this.network = null
    this.pairing = null
    this.boot = null
    this.keyMissing = null
    this.sealer = undefined
    this.interruption = null
    this.checker = null
    this.tracker = null
    this.feed = null
    this.index = null
    this.watchdog = null
    this.prefetch = null
    this.announcedWritable = false
    this.appends.reset()
    this.upkeep = new Upkeep(() => this.upkeepPass())
    this.indexing = new Upkeep(async () => this.index?.poke(), FOLLOW_SPACING_MS)
    if (this.audits.signal.aborted) this.audits = new AbortController()
  }

  /**
   * Fetch this device's log back from peers; once whole, reopen everything on the restored store:
   * Autobase's writer of this log still believes the short length and would append there.
   */
  private restoreOwnLog (store: Corestore, base: Autobase<Hyperbee>, ownLog: OwnLog): void {
    const signal = this.audits.signal
    ownLog.restore(store, base.local.key, signal).then(() => {
      if (this.host.closing()) return
      this.restarts++
      this.restarting = this.restart().catch((err: unknown) => { this.host.emit('warning', err) }).finally(() => { this.restarting = null })
    }, (err: unknown) => {
      if (!signal.aborted) this.host.emit('warning', err)
    })
  }

  private async restart (): Promise<void> {
    await this.teardown()
    if (this.host.closing()) return
    await this.start()
    if (this.host.closing()) return
    // Apply what the store now holds (this device's own log, given back) before the calls this
    // restart overtook run again and before `storage-restored`: a read of one of its own
    // entries must not find a view that has not applied the blocks it got back yet.
    await this.base?.update()
    if (this.host.closing()) return
    await this.writableAgain()
    this.host.emit('storage-restored')
  }

  /**
   * Resolves once no restart is under way: the calls that await it meet the reopened ledger, not
   * the one being torn down (which would answer `LEDGER_CLOSED`).
   */
  settled (): Promise<void> {
    return this.restarting ?? Promise.resolve()
  }

  /** A member reopened on its restored log: Autobase reads its membership back before it writes. */
  private async writableAgain (): Promise<void> {
    const base = this.base
    if (base === null || base.writable || base.closing !== null) return
    if (await roleOf(base.view, base.local.key, base.key) === null) return
    const signal = this.audits.signal
    await new Promise<void>((resolve) => {
      const done = (): void => {
        base.off('writable', done)
        signal.removeEventListener('abort', done)
        resolve()
      }
      base.on('writable', done)
      signal.addEventListener('abort', done)
      if (signal.aborted) done()
    })
  }

  /** A fatal storage failure: remember it (a full disk as `STORAGE_FULL`) and say so once. */
  private failed (err: unknown): void {
    if (this.fault !== null) return
    const fault = isDiskFull(err)
      ? MeshledgerError.storageFull('the disk under the ledger\'s storage is full; the write was not acknowledged', err)
      : err instanceof Error ? err : new Error(String(err))
    this.fault = fault
    this.host.emit('fault', fault)
  }

  /**
   * The view's core grew, in the middle of an Autobase pass: announce it as an update once the
   * flush that grew it has run on (a microtask), so listeners never run inside Autobase's flush.
   * The pass's own 'update' follows, for what its later flushes changed (signed lengths).
   */
  private viewAppended (base: Autobase<Hyperbee>): void {
    if (this.appendAnnounced) return
    this.appendAnnounced = true
    queueMicrotask(() => {
      this.appendAnnounced = false
      if (this.base !== base || base.closing !== null) return
      // Only a view longer than the last update announced (or reordered since): a pass's later
      // flushes append to the view's core too (signatures, no new blocks), and each update costs
      // every listener a read.
      const { length, fork } = base.view.core
      if (length > this.announced.length || fork !== this.announced.fork) this.announce()
    })
  }

  /**
   * The view moved. Watchers and listeners hear of it now; the view check restates itself on its
   * own throttle; the rest (each a read of the view from its root) runs as one coalesced pass.
   */
  private updated (): void {
    this.prefetch?.refresh()
    this.writableChanged()
    this.indexing.poke()
    this.checker?.poke()
    this.upkeep.poke()
    this.announce()
  }

  /**
   * Watchers and `update` listeners hear the view moved. Alone (a view append mid-pass) it leaves
   * the upkeep to the pass's end: its view reads, run between the pass's flushes, held up the
   * append waiting on them (an indexer's by ~2 ms a round trip in the propagation bench).
   */
  private announce (): void {
    if (this.base !== null) this.announced = { length: this.base.view.core.length, fork: this.base.view.core.fork }
    this.feed?.poke()
    this.host.emit('update')
  }

  /**
   * The protocol check, new members' sessions and the removed set, an indexer's rule duties. Each
   * reads the view, so a pass runs only once the view is local: on a fast-forwarded view a read of
   * a block not here yet waits for a peer, and a close waiting on that pass waited for good once
   * the peers had left (test/close-sparse-view.test.ts). The prefetch pokes the upkeep when the
   * view becomes local.
   */
  private async upkeepPass (): Promise<void> {
    const base = this.base
    if (base === null || base.closed || this.prefetch?.local !== true) return
    await Promise.all([
      this.interruption === null ? this.checkProtocol(base).catch(safetyCatch) : null,
      this.tracker?.refresh().catch(safetyCatch)
    ])
    this.duties.updated(this.isIndexer)
  }

  private interrupted (reason: unknown): void {
    if (this.interruption?.code === 'UPGRADE_REQUIRED') return // said once, by the view or by apply
    const r = typeof reason === 'object' && reason !== null ? reason as { protocol?: unknown, activated?: unknown } : {}
    this.interruption = r.activated === true
      ? MeshledgerError.upgradeRequired(`the ledger activated protocol ${String(r.protocol)}; this device runs protocol ${PROTOCOL_VERSION}: upgrade it`)
      : MeshledgerError.upgradeRequired(`a writer uses a newer meshledger protocol${r.protocol === undefined ? '' : ` (protocol ${String(r.protocol)})`}; upgrade this device`)
    this.host.emit('upgrade-required', this.interruption)
  }

  /**
   * Stop (`UPGRADE_REQUIRED`) once the view says the ledger activated a protocol this code does
   * not know. Apply stops at the next block anyway; this covers an activation that is the last
   * block there is, and a restart.
   */
  private async checkProtocol (base: Autobase<Hyperbee>): Promise<void> {
    const record = await protocolRecord(base.view)
    if (record !== null && record.version > PROTOCOL_VERSION) this.interrupted({ protocol: record.version, activated: true })
  }

  /** Close what was opened, in reverse order; each step best-effort so storage is always released. */
  private async teardown (): Promise<void> {
    this.audits.abort(MeshledgerError.ledgerClosed())
    // Reads waiting for a peer end now: what the steps below await may queue behind them.
    if (this.base !== null) cancelPendingReads(this.base.view.core, MeshledgerError.ledgerClosed())
    await this.host.quiesce()
    await this.upkeep.close()
    await this.indexing.close()
    await this.duties.idle()
    await this.feed?.idle()
    this.watchdog?.stop()
    this.prefetch?.close()
    this.catchUp?.close()
    let first: unknown = null
    await bestEffort([
      ['view-check', () => this.checker?.close()],
      ['pairing', () => this.pairing?.close()],
      ['network', () => this.network?.close()],
      ['group-commit', () => this.appends.commits.flushed()],
      ['writer-tracker', () => this.tracker?.close()],
      ['boot', () => this.boot?.close()],
      ['own-log', () => this.ownLog?.close()],
      ['local-index', () => this.index?.stop()],
      ['base', () => this.base?.close()],
      ['local-index-store', () => this.index?.close()],
      ['wal', () => this.wal?.close()],
      ['store', () => this.store?.close()],
      // RocksDB's files created while open follow the umask; the folder kept them private.
      ['permissions', async () => { if (this.store !== null) await ownerOnly(this.options.storage) }]
    ], (err) => { first ??= err })
    if (first !== null) this.host.emit('warning', first)
  }
}
