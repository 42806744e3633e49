/**
 * The ledger's core: one device's replica of a shared, multi-writer ledger. Its own entries go into its
 * signed Hypercore log; Autobase merges every member's log into one Hyperbee view.
 */
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import type Hyperbee from 'hyperbee'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { roleOf } from '../apply/membership.js'
import { BASELINE_PROTOCOL, protocolRecord } from '../apply/protocol-activation.js'
import type { VerifyOptions, VerifyReport } from '../audit/report.js'
import { auditLedger } from '../audit/ledger-audit.js'
import { MeshledgerError } from '../errors.js'
import { decodeKey, encodeKey, normalizeKey, type DeviceKey, type KeyInput, type LedgerKey, type SwarmKey } from '../keys.js'
import type { LedgerEvents, LedgerListener, LedgerMode, LedgerOptions, LedgerProtocol, LedgerStats, Member } from '../ledger-types.js'
import type { Network } from '../net/network.js'
import type { NetworkOptions, PeerInfo } from '../net/peers.js'
import type { PairingMember } from '../net/pairing.js'
import { ViewCheck, type PeerViewCheck, type ViewCheckSummary } from '../net/view-check.js'
import type { Receipt } from '../proofs/receipt.js'
import { createSealer, type Sealer } from '../proofs/seal.js'
import type { Entry, EntryStatus } from '../protocol/entry.js'
import { parseId, type EntryAddress } from '../protocol/entry-id.js'
import { PROTOCOL_VERSION, type EntryInput } from '../protocol/ops.js'
import type { Role } from '../protocol/vocabulary.js'
import { readEntry, readMembers } from '../view/entry-reads.js'
import { makeReceipt, type ProofOptions } from '../view/proof.js'
import { queryEntries, type QueryOptions } from '../view/query.js'
import { ViewFeed } from '../view/view-feed.js'
import { Watcher, type WatchFilter } from '../view/watcher.js'
import { AckWatchdog } from './ack-watchdog.js'
import { AppendPath } from './append-path.js'
import { bestEffort } from './best-effort.js'
import { keepAlive } from './keep-alive.js'
import { createLedgerBase } from './ledger-base.js'
import { watchForEncryption } from './encryption-watch.js'
import { DeviceDuties } from './duties.js'
import { OwnLog } from './own-log.js'
import { createNetwork, createPairing } from './peer-wiring.js'
import { ownerOnly } from './permissions.js'
import { openStore, storedLedgerKey, type WalSync } from './storage.js'
import { isDiskFull, storageFailure } from './storage-errors.js'
import { WriterTracker } from './writer-tracker.js'

/** Default ack interval (ms): how soon indexers acknowledge new data so it can become final. */
export const DEFAULT_ACK_INTERVAL = 200

/**
 * Default size of the shared block/node cache and of the Merkle tree cache (entries). Blocks
 * are group commits of up to 1 MiB, so this is kept small: it bounds RSS on 1 GB devices.
 */
export const DEFAULT_CACHE_SIZE = 512

/** The ledger's events, typed: a made-up name, or a listener of the wrong shape, does not compile. */
export interface LedgerCore {
  on<E extends keyof LedgerEvents> (event: E, listener: LedgerListener<E>): this
  once<E extends keyof LedgerEvents> (event: E, listener: LedgerListener<E>): this
  off<E extends keyof LedgerEvents> (event: E, listener: LedgerListener<E>): this
  emit<E extends keyof LedgerEvents> (event: E, ...args: LedgerEvents[E]): boolean
}

/**
 * A device's replica of a ledger: lifecycle, entries, membership, finality, sync. {@link Ledger}
 * adds the ledger's semantics (money, assets, telemetry, rules) on top.
 *
 * ```ts
 * const ledger = new Ledger({ storage: './data' })
 * await ledger.ready()
 * const entry = await ledger.append({ type: 'note', data: { text: 'hello' } })
 * ```
 */
export class LedgerCore extends ReadyResource {
  private readonly options: LedgerOptions
  private store: Corestore | null = null
  private base: Autobase<Hyperbee> | null = null
  private network: Network | null = null
  private feed: ViewFeed | null = null
  private tracker: WriterTracker | null = null
  private checker: ViewCheck | null = null
  private watchdog: AckWatchdog | null = null
  private readonly watchers = new Set<Watcher>()
  private readonly appends: AppendPath
  private readonly duties: DeviceDuties
  private interruption: MeshledgerError | null = null
  private _fault: Error | null = null
  private _mode: LedgerMode | null = null
  private wal: WalSync | null = null
  private ownLog: OwnLog | null = null
  private restarting: Promise<void> | null = null
  private pairing: PairingMember | null = null
  private keyMissing: MeshledgerError | null = null
  private boot: Hypercore | null = null
  private sealer: Sealer | undefined = undefined
  private verifying: Promise<VerifyReport> | null = null
  private audits = new AbortController()

  constructor (options: LedgerOptions) {
    super()
    if (typeof options !== 'object' || options === null || typeof options.storage !== 'string' || options.storage === '') {
      throw MeshledgerError.invalidOption('storage must be a folder path')
    }
    if (options.ackInterval !== undefined && !(Number.isSafeInteger(options.ackInterval) && options.ackInterval > 0)) {
      throw MeshledgerError.invalidOption('ackInterval must be a positive integer (ms)')
    }
    if (options.minFreeBytes !== undefined && !(Number.isSafeInteger(options.minFreeBytes) && options.minFreeBytes >= 0)) {
      throw MeshledgerError.invalidOption('minFreeBytes must be a non-negative integer')
    }
    if (options.key !== undefined && options.key !== null) decodeKey(options.key, 'key')
    this.options = options
    this.appends = new AppendPath({
      storage: options.storage,
      minFreeBytes: options.minFreeBytes,
      durable: options.durable === true,
      base: () => this.base,
      fault: () => this._fault,
      interruption: () => this.interruption,
      storageDamage: () => this.storageDamage,
      forked: () => this.tracker?.forked === true,
      wal: () => this.wal,
      ownLog: () => this.ownLog,
      sealer: () => this.sealer,
      failed: (err) => this.failed(err)
    })
    this.duties = new DeviceDuties({
      base: () => this.base,
      writable: () => this.writable,
      closing: () => this.closing !== null,
      swarmKey: () => this.network?.swarmKey ?? null,
      commit: (base, input) => this.appends.commit(base, input),
      read: (base, addr) => this.read(base, addr),
      selfForked: () => { this.interruption = MeshledgerError.forked('this device\'s log was also written by a copy of its data folder; join again from a fresh folder') },
      fork: (report) => this.emit('fork', report),
      warn: (err) => this.emit('warning', err)
    })
  }

  /** The ledger's key (z32): share it so other devices can replicate. */
  get key (): LedgerKey {
    return encodeKey<LedgerKey>(this.opened$().key)
  }

  /** The key peers meet under (z32); reveals nothing about the ledger key. */
  get discoveryKey (): string {
    return encodeKey(this.opened$().discoveryKey)
  }

  /** The discovery key as bytes: the topic to join on a swarm of your own. */
  discoveryKeyBytes (): Buffer {
    return this.opened$().discoveryKey
  }

  /** This device's identity: its writer key (z32), the same across restarts. */
  get deviceKey (): DeviceKey {
    return encodeKey<DeviceKey>(this.opened$().local.key)
  }

  /** Whether this device may append now. */
  get writable (): boolean {
    return this.base !== null && this.base.writable && this.interruption === null && this.storageDamage === null
  }

  /**
   * Set while this device's store holds less of its own log than it recorded as written (see
   * `storage-damaged`): appends fail with this `STORAGE_DAMAGED` error until peers give the rest back.
   */
  get storageDamage (): MeshledgerError | null {
    return this.ownLog?.damage ?? null
  }

  /**
   * The key that decrypts the ledger (z32), or null for an unencrypted ledger. A secret: whoever
   * holds it and the ledger key reads everything. Invites hand it over; nothing else needs it.
   */
  get encryptionKey (): string | null {
    const key = this.opened$().encryptionKey
    return key === null ? null : encodeKey(key)
  }

  /**
   * The storage failure that closed the ledger underneath it (`STORAGE_FULL` for a full disk),
   * or null. Once set, every call throws it: close the ledger and open the folder again.
   */
  get fault (): Error | null {
    return this._fault
  }

  /** Whether this device is an indexer (helps sign finality). */
  get isIndexer (): boolean {
    return this.base !== null && this.base.isIndexer
  }

  /** Whether this instance created the ledger, reopened its folder, or joined a remote one. */
  get mode (): LedgerMode {
    if (this._mode === null) throw MeshledgerError.notReady('the ledger is not ready yet: await ledger.ready() first')
    return this._mode
  }

  /** The swarm replicating this ledger, or null when offline. */
  get swarm (): NonNullable<NetworkOptions['swarm']> | null {
    return this.network?.current ?? null
  }

  /** Counters and sync progress. */
  get stats (): LedgerStats {
    const base = this.base
    return {
      peers: this.network?.peers().length ?? 0,
      appended: { entries: this.appends.commits.ops, blocks: this.appends.commits.blocks },
      view: { length: base?.view.core.length ?? 0, signedLength: base?.view.core.signedLength ?? 0 },
      forcedAcks: this.watchdog?.acks ?? 0,
      ownLog: { recorded: this.ownLog?.recorded ?? 0, stored: base?.local.length ?? 0, damaged: this.storageDamage !== null },
      writers: this.tracker?.progress() ?? []
    }
  }

  protected override async _open (): Promise<void> {
    await this.start()
  }

  /** Open the store and everything on it (again, after this device's log was restored). */
  private async start (): Promise<void> {
    const { storage, key = null, ackInterval = DEFAULT_ACK_INTERVAL, cacheSize = DEFAULT_CACHE_SIZE } = this.options
    this.reset()
    // Owner-only before RocksDB writes a key into it; files it creates on open are tightened too.
    const loosened = await ownerOnly(storage)
    if (loosened.length > 0) this.emit('permissions-tightened', { folder: storage, paths: loosened })
    const { store, wal } = await openStore(storage, cacheSize)
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
      this._mode = existing !== null ? 'opened' : wanted !== null ? 'joined' : 'created'
      await ownLog.inspect(store, existing)
      const damaged = ownLog.damage !== null

      const encryptionKey = this.options.encryptionKey == null ? null : decodeKey(this.options.encryptionKey, 'encryptionKey')
      const base = createLedgerBase(store, existing ?? wanted, {
        fastForward: this.options.fastForward === true,
        // New ledgers are encrypted unless asked not to be; joiners bring the key (autobase keeps it).
        encrypt: this._mode === 'created' && this.options.encrypt !== false,
        encryptionKey,
        // A damaged device must not ack: an ack is a block of its log, signed at an index its
        // peers already hold another block at (a fork). Restored, the ledger reopens with acks.
        ackInterval: damaged ? 0 : ackInterval
      })
      this.base = base
      base.on('interrupt', (reason: unknown) => this.interrupted(reason))
      base.on('update', () => this.updated())
      base.on('writable', () => {
        this.emit('writable')
        this.duties.announceSwarmKey()
      })
      base.on('unwritable', () => this.emit('unwritable'))
      base.on('warning', (w: unknown) => this.emit('warning', w))
      // Autobase emits 'error' only for a fatal failure, after which it closes itself.
      base.on('error', (err: unknown) => this.failed(err))
      await base.ready()
      // A ledger that activated a protocol this code does not know stays stopped across restarts.
      await this.checkProtocol(base)
      const secretKey = base.local.keyPair?.secretKey ?? null
      if (secretKey !== null) this.sealer = createSealer(base.key, base.local.key, secretKey)
      await ownLog.attach(base.local, base.key)
      this.watchdog = new AckWatchdog(base, base.view.core, ackInterval)
      if (!damaged) this.watchdog.start()

      this.feed = new ViewFeed(base.view)
      this.tracker = new WriterTracker(store, base.view, base.local.key, () => this.network?.enforce(), (evidence) => this.duties.forkDetected(evidence))
      await this.tracker.refresh()
      const checker = new ViewCheck(base.view, base.discoveryKey)
      this.checker = checker
      checker.on('check', (peer: SwarmKey, check: PeerViewCheck) => this.emit('view-check', peer, check))
      checker.on('warning', (err: unknown) => this.emit('warning', err))
      await checker.ready()
      if (this._mode === 'created' && base.local.length === 0) {
        // The genesis op: the creator records itself as the first indexer.
        await this.appends.commit(base, { type: 'member.add', data: { key: encodeKey(base.local.key), role: 'indexer' } })
      }

      if (this.options.swarm !== false) {
        this.network = createNetwork(store, base, this.options, {
          denied: (key) => this.tracker?.denied.has(key.toString('hex')) === true,
          stream: (stream) => checker.attach(stream),
          peer: (event, p) => this.emit(event, p)
        })
        await this.network.open()
        this.pairing = createPairing(this.network, base, (input) => this.append(input), (err) => this.emit('warning', err))
      }
      if (this._mode === 'joined' && base.encryptionKey === null) {
        this.boot = watchForEncryption(store, base, (missing) => {
          if (this.keyMissing !== null) return
          this.keyMissing = missing
          this.emit('encryption-key-required', missing)
        })
      }
      this.duties.announceSwarmKey()
      if (ownLog.damage !== null) {
        this.emit('storage-damaged', ownLog.damage)
        this.restoreOwnLog(store, base, ownLog)
      }
    } catch (err) {
      await this.teardown()
      throw err
    }
  }

  protected override async _close (): Promise<void> {
    await this.restarting
    await this.teardown()
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
    this.watchdog = null
    this.appends.reset()
    if (this.audits.signal.aborted) this.audits = new AbortController()
  }

  /**
   * Fetch this device's log back from peers; once whole, reopen everything on the restored store:
   * Autobase's writer of this log still believes the short length and would append there.
   */
  private restoreOwnLog (store: Corestore, base: Autobase<Hyperbee>, ownLog: OwnLog): void {
    const signal = this.audits.signal
    ownLog.restore(store, base.local.key, signal).then(() => {
      if (this.closing !== null) return
      this.restarting = this.restart().catch((err: unknown) => { this.emit('warning', err) }).finally(() => { this.restarting = null })
    }, (err: unknown) => {
      if (!signal.aborted) this.emit('warning', err)
    })
  }

  private async restart (): Promise<void> {
    await this.teardown()
    if (this.closing !== null) return
    await this.start()
    this.emit('storage-restored')
  }

  /**
   * Append an entry. It is validated here first (a coded error, nothing appended), then
   * group-committed with concurrent appends into one block of this device's log.
   */
  async append (input: EntryInput): Promise<Entry> {
    return this.appends.commit(this.usable$(), input)
  }

  /**
   * A receipt for entry `id`: a self-contained JSON proof anyone can check offline with
   * `verifyReceipt()`, without the ledger's encryption key (see receipt.ts for what it proves).
   * `NOT_PROVABLE` for rejected or held entries.
   */
  async proof (id: string, opts: ProofOptions = {}): Promise<Receipt> {
    const base = this.usable$()
    const keyPair = base.local.keyPair
    if (keyPair?.secretKey == null) throw MeshledgerError.notProvable('this device has no signing key to issue receipts with')
    return makeReceipt({ store: this.store as Corestore, base, keyPair: { publicKey: keyPair.publicKey, secretKey: keyPair.secretKey } }, id, opts)
  }

  /** Make `key` a member: `writer` (default) or `indexer`. Only indexers may. */
  async addMember (key: KeyInput, { role = 'writer' }: { role?: Role } = {}): Promise<Entry> {
    return this.append({ type: 'member.add', data: { key: normalizeKey(key, 'member key'), role } })
  }

  /** Remove a member: its later entries are not applied anywhere; earlier ones stay. */
  async removeMember (key: KeyInput): Promise<Entry> {
    return this.append({ type: 'member.remove', data: { key: normalizeKey(key, 'member key') } })
  }

  /**
   * Activate protocol `version` on the ledger (indexers only): from the block after the
   * activation on, blocks stamped up to `version` apply. Upgrade the code on every device first;
   * a device still running older code stops with `UPGRADE_REQUIRED` once it applies this.
   */
  async activateProtocol (version: number): Promise<Entry> {
    return this.append({ type: 'ledger.protocol', data: { version } })
  }

  /** The ledger's active protocol (as this device's view holds it) and the newest this code knows. */
  async protocol (): Promise<LedgerProtocol> {
    const record = await protocolRecord(this.opened$().view)
    const out: LedgerProtocol = { active: record?.version ?? BASELINE_PROTOCOL, known: PROTOCOL_VERSION }
    if (record !== null) {
      out.activatedBy = record.by as DeviceKey
      out.activatedAt = record.at
    }
    return out
  }

  /** The entry with this id as this device's view holds it, or null. */
  async get (id: string): Promise<Entry | null> {
    return this.read(this.opened$(), parseId(id))
  }

  /** Where an entry stands; throws `NOT_FOUND` for an entry this device has never seen. */
  async status (id: string): Promise<EntryStatus> {
    const base = this.opened$()
    const addr = parseId(id)
    const entry = await this.read(base, addr)
    if (entry !== null) return entry.status
    const writer = addr.writer.equals(base.local.key) ? base.local : this.tracker?.core(addr.writer)
    if (writer != null && addr.seq < writer.length) return 'pending'
    throw MeshledgerError.notFound(`no entry ${id} on this device`)
  }

  /**
   * Resolves with the entry once it is confirmed (final). Rejects with `ENTRY_REJECTED` once its
   * rejection is final, `TIMEOUT` after `timeout` ms (default: wait as long as it takes), and
   * `LEDGER_CLOSED` if the ledger closes first. The process stays alive while it waits.
   */
  async confirmed (id: string, { timeout = 0 }: { timeout?: number } = {}): Promise<Entry> {
    const base = this.opened$()
    const addr = parseId(id)
    let expired = false
    let timer: NodeJS.Timeout | undefined
    const expiry = new Promise<void>((resolve) => {
      timer = timeout > 0
        ? setTimeout(() => { expired = true; resolve() }, timeout)
        : keepAlive()
    })
    try {
      while (true) {
        const entry = await this.read(base, addr)
        if (entry?.status === 'confirmed') return entry
        if (entry?.rejection?.final === true) {
          throw MeshledgerError.entryRejected(`${id}: ${entry.rejection.code}: ${entry.rejection.reason}`)
        }
        if (this._fault !== null) throw this._fault
        if (this.closing !== null) throw MeshledgerError.ledgerClosed()
        if (expired) throw MeshledgerError.timeout(`${id} was not confirmed within ${timeout} ms`)
        // A removed writer's block reaches no view: the change to wait for is in its log.
        await this.nextChange(base, expiry, this.tracker?.core(addr.writer) ?? null)
      }
    } finally {
      clearTimeout(timer)
    }
  }

  /** Entries matching a filter, by a range read of the best index. */
  query (options: QueryOptions = {}): AsyncGenerator<Entry> {
    const base = this.opened$()
    return queryEntries(base.view, options)
  }

  /** Live: every entry as it is applied, and notice of reorders. */
  watch (filter: WatchFilter = {}): Watcher {
    this.opened$()
    const feed = this.feed as ViewFeed
    const writer = filter.writer === undefined ? undefined : normalizeKey<DeviceKey>(filter.writer, 'writer')
    const watcher = new Watcher(feed, { ...filter, writer }, (w) => {
      this.watchers.delete(w)
      if (this.watchers.size === 0) feed.stop()
    })
    this.watchers.add(watcher)
    feed.start()
    return watcher
  }

  /** Current members (and, with `all`, removed ones). */
  async members ({ all = false }: { all?: boolean } = {}): Promise<Member[]> {
    return readMembers(this.opened$().view, all)
  }

  /** The role `key` holds now, or null. */
  async roleOf (key: KeyInput): Promise<Role | null> {
    const base = this.opened$()
    return roleOf(base.view, decodeKey(key), base.key)
  }

  /** Peers connected now, each with how its confirmed view compares with this device's (`view`). */
  peers (): PeerInfo[] {
    const checker = this.checker
    return (this.network?.peers() ?? []).map((p) => ({ ...p, view: checker?.peer(p.publicKey) ?? null }))
  }

  /**
   * This device's confirmed view (signed length and tree hash) and how many connected peers
   * confirm the same history. Peers restate their view within a fraction of a second of a change;
   * `mismatched` names peers whose confirmed history differs under the same indexer set.
   */
  viewCheck (): ViewCheckSummary {
    this.opened$()
    return (this.checker as ViewCheck).summary()
  }

  /**
   * Replicate over a transport of your own. Given a boolean (`true` on the side that dialled) it
   * returns a stream to pipe both ways: `socket.pipe(ledger.replicate(true)).pipe(socket)`. Given
   * an already encrypted stream (a Hyperswarm connection) it replicates over it.
   */
  replicate (isInitiatorOrStream: boolean | NodeJS.ReadWriteStream): NodeJS.ReadWriteStream {
    return this.opened$().replicate(isInitiatorOrStream)
  }

  /** Fetch what connected peers have, apply it, and refresh `stats`. */
  async update (): Promise<void> {
    const base = this.opened$()
    if (this.keyMissing !== null) throw this.keyMissing
    await base.update()
    await this.tracker?.refresh()
  }

  /**
   * A hash of the whole view (hex): two devices with equal view lengths and equal hashes hold the
   * same ledger state.
   */
  async hash (): Promise<string> {
    const base = this.opened$()
    const core = base.view.core
    return (await core.treeHash(core.length)).toString('hex')
  }

  /**
   * Audit the ledger on this device: re-check every writer log it holds against its writer's
   * signature and Merkle tree, rebuild the view from the logs in a scratch folder and compare it
   * with the live one, and count each writer's entries and rejections. A log found damaged is no
   * longer served to peers, for good (the mark is kept with the log). One audit runs at a time:
   * a call while one runs gets that one's report.
   */
  async verify (options: VerifyOptions = {}): Promise<VerifyReport> {
    const base = this.opened$()
    const cacheSize = this.options.cacheSize ?? DEFAULT_CACHE_SIZE
    this.verifying ??= auditLedger({
      base,
      cacheSize,
      ownLog: this.stats.ownLog,
      openReplica: async (storage) => {
        const replica = new LedgerCore({ storage, swarm: false, key: base.key, encryptionKey: base.encryptionKey, cacheSize })
        await replica.ready()
        return { base: replica.opened$(), close: () => replica.close() }
      }
    }, options, this.audits.signal).catch((err: unknown) => { throw storageFailure(err) ?? err }).finally(() => { this.verifying = null })
    return this.verifying
  }

  private async read (base: Autobase<Hyperbee>, addr: EntryAddress): Promise<Entry | null> {
    return readEntry(this.store as Corestore, base, addr)
  }

  /** Length of the view (Hyperbee blocks, not entries). */
  get length (): number {
    return this.base?.view.core.length ?? 0
  }

  /**
   * `STORAGE_FULL` while the disk has less room than `minFreeBytes` or than the last declined
   * append needed; null once it has (or with the check off). For health checks.
   */
  async storageCheck (): Promise<MeshledgerError | null> {
    return this.appends.storageCheck()
  }

  /** A fatal storage failure: remember it (a full disk as `STORAGE_FULL`) and say so once. */
  private failed (err: unknown): void {
    if (this._fault !== null) return
    const fault = isDiskFull(err)
      ? MeshledgerError.storageFull('the disk under the ledger\'s storage is full; the write was not acknowledged', err)
      : err instanceof Error ? err : new Error(String(err))
    this._fault = fault
    this.emit('fault', fault)
  }

  /** Resolves at the next view change, on close, or when `stop` resolves. */
  private nextChange (base: Autobase<Hyperbee>, stop: Promise<void>, log: Hypercore | null = null): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        base.off('update', done)
        base.view.core.off('append', done)
        log?.off('append', done)
        log?.off('download', done)
        this.off('close', done)
        this.off('fault', done)
        resolve()
      }
      base.on('update', done)
      base.view.core.on('append', done)
      log?.on('append', done)
      log?.on('download', done)
      this.on('close', done)
      this.on('fault', done)
      stop.then(done, done)
    })
  }

  private updated (): void {
    if (this.base !== null && this.interruption === null) this.checkProtocol(this.base).catch(safetyCatch)
    this.feed?.poke()
    this.checker?.poke()
    this.tracker?.refresh().catch(safetyCatch)
    this.duties.updated(this.isIndexer)
    this.emit('update')
  }

  private interrupted (reason: unknown): void {
    if (this.interruption?.code === 'UPGRADE_REQUIRED') return // said once, by the view or by apply
    const r = typeof reason === 'object' && reason !== null ? reason as { protocol?: unknown, activated?: unknown } : {}
    this.interruption = r.activated === true
      ? MeshledgerError.upgradeRequired(`the ledger activated protocol ${String(r.protocol)}; this device runs protocol ${PROTOCOL_VERSION}: upgrade it`)
      : MeshledgerError.upgradeRequired(`a writer uses a newer meshledger protocol${r.protocol === undefined ? '' : ` (protocol ${String(r.protocol)})`}; upgrade this device`)
    this.emit('upgrade-required', this.interruption)
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
    await this.verifying?.catch(() => {})
    for (const w of [...this.watchers]) await w.return()
    await this.duties.idle()
    await this.feed?.idle()
    this.watchdog?.stop()
    let first: unknown = null
    await bestEffort([
      ['view-check', () => this.checker?.close()],
      ['pairing', () => this.pairing?.close()],
      ['network', () => this.network?.close()],
      ['group-commit', () => this.appends.commits.flushed()],
      ['writer-tracker', () => this.tracker?.close()],
      ['boot', () => this.boot?.close()],
      ['own-log', () => this.ownLog?.close()],
      ['base', () => this.base?.close()],
      ['wal', () => this.wal?.close()],
      ['store', () => this.store?.close()],
      // RocksDB's files created while open follow the umask; the folder kept them private.
      ['permissions', async () => { if (this.store !== null) await ownerOnly(this.options.storage) }]
    ], (err) => { first ??= err })
    if (first !== null) this.emit('warning', first)
  }

  /** The view, once open; throws when closed or not ready. */
  protected view$ (): Hyperbee {
    return this.opened$().view
  }

  private opened$ (): Autobase<Hyperbee> {
    // Hypercore closes every session of a log it finds forked, and Autobase reports that close as
    // a failure: the fork, once known, is the cause to report.
    if (this._fault !== null) throw this.interruption ?? this._fault
    if (this.closing !== null) throw MeshledgerError.ledgerClosed()
    if (this.base === null || !this.opened) throw MeshledgerError.notReady()
    // Autobase closes itself after a fatal error, this device's log found forked among them.
    if (this.base.closing !== null) throw this.interruption ?? MeshledgerError.ledgerClosed()
    return this.base
  }

  private usable$ (): Autobase<Hyperbee> {
    const base = this.opened$()
    if (this.interruption !== null) throw this.interruption
    return base
  }
}
