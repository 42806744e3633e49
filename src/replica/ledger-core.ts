/**
 * The ledger's core: one device's replica of a shared, multi-writer ledger. Its own entries go into its
 * signed Hypercore log; Autobase merges every member's log into one Hyperbee view. The resources
 * and their lifecycle are the {@link Replica}'s (replica.ts); this class is the public face.
 */
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import ReadyResource from 'ready-resource'
import { roleOf } from '../apply/membership.js'
import { BASELINE_PROTOCOL, protocolRecord } from '../apply/protocol-activation.js'
import type { VerifyOptions, VerifyReport } from '../audit/report.js'
import { auditLedger } from '../audit/ledger-audit.js'
import { MeshledgerError } from '../errors.js'
import { decodeKey, encodeKey, normalizeKey, type DeviceKey, type KeyInput, type LedgerKey } from '../keys.js'
import type { LedgerEvents, LedgerListener, LedgerMode, LedgerOptions, LedgerProtocol, LedgerStats, Member } from '../ledger-types.js'
import type { NetworkOptions, PeerInfo } from '../net/peers.js'
import type { ViewCheck, ViewCheckSummary } from '../net/view-check.js'
import type { Receipt } from '../proofs/receipt.js'
import type { Entry, EntryStatus } from '../protocol/entry.js'
import { parseId } from '../protocol/entry-id.js'
import { PROTOCOL_VERSION, type EntryInput } from '../protocol/ops.js'
import type { Role } from '../protocol/vocabulary.js'
import { readMembers } from '../view/entry-reads.js'
import { makeReceipt, type ProofOptions } from '../view/proof.js'
import { queryEntries, type QueryOptions } from '../view/query.js'
import type { ViewFeed } from '../view/view-feed.js'
import { Watcher, type WatchFilter } from '../view/watcher.js'
import { checkCatchUpSettle } from './catch-up-settle.js'
import { waitConfirmed } from './confirmation.js'
import { DEFAULT_CACHE_SIZE, Replica } from './replica.js'
import { snapshotStore } from './snapshot.js'
import { storageFailure } from './storage-errors.js'

export { DEFAULT_ACK_INTERVAL, DEFAULT_CACHE_SIZE } from './replica.js'

/** The ledger's events, typed: a made-up name, or a listener of the wrong shape, does not compile. */
export interface LedgerCore {
  on<E extends keyof LedgerEvents> (event: E, listener: LedgerListener<E>): this
  once<E extends keyof LedgerEvents> (event: E, listener: LedgerListener<E>): this
  off<E extends keyof LedgerEvents> (event: E, listener: LedgerListener<E>): this
  emit<E extends keyof LedgerEvents> (event: E, ...args: LedgerEvents[E]): boolean
}

/** What {@link LedgerCore.snapshot} copied: keys and lengths at the instant of the copy. */
export interface LedgerSnapshot {
  ledger: LedgerKey
  device: DeviceKey
  /** Blocks of this device's own log. */
  ownLog: number
  /** Blocks of the view. */
  view: number
  /** The writer logs this device holds, with their lengths. */
  writers: Array<{ key: DeviceKey, length: number }>
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
  private readonly replica: Replica
  private readonly watchers = new Set<Watcher>()
  private verifying: Promise<VerifyReport> | null = null

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
    checkCatchUpSettle(options.catchUpSettle)
    if (options.key !== undefined && options.key !== null) decodeKey(options.key, 'key')
    this.options = options
    this.replica = new Replica(options, {
      emit: (event, ...args) => { this.emit(event, ...args) },
      closing: () => this.closing !== null,
      append: (input) => this.append(input),
      quiesce: async () => {
        await this.verifying?.catch(() => {})
        for (const w of [...this.watchers]) await w.return()
      }
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

  /**
   * Whether this device may append now: a member whose appends resolve with no peer (one admitted
   * by a fast-forward is writable once it has fetched what they read: the `writable` event).
   */
  get writable (): boolean {
    return this.replica.writable
  }

  /**
   * Set while this device's store holds less of its own log than it recorded as written (see
   * `storage-damaged`): appends fail with this `STORAGE_DAMAGED` error until peers give the rest back.
   */
  get storageDamage (): MeshledgerError | null {
    return this.replica.storageDamage
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
    return this.replica.fault
  }

  /** Whether this device is an indexer (helps sign finality). */
  get isIndexer (): boolean {
    return this.replica.isIndexer
  }

  /** Whether this instance created the ledger, reopened its folder, or joined a remote one. */
  get mode (): LedgerMode {
    const mode = this.replica.mode
    if (mode === null) throw MeshledgerError.notReady('the ledger is not ready yet: await ledger.ready() first')
    return mode
  }

  /** The swarm replicating this ledger, or null when offline. */
  get swarm (): NonNullable<NetworkOptions['swarm']> | null {
    return this.replica.network?.current ?? null
  }

  /** Counters and sync progress. */
  get stats (): LedgerStats {
    const { base, network, appends, watchdog, ownLog, tracker } = this.replica
    return {
      peers: network?.peers().length ?? 0,
      appended: { entries: appends.commits.ops, blocks: appends.commits.blocks },
      view: { length: base?.view.core.length ?? 0, signedLength: base?.view.core.signedLength ?? 0 },
      applied: this.replica.applied,
      forcedAcks: watchdog?.acks ?? 0,
      heapSettles: this.replica.heapSettles,
      ownLog: { recorded: ownLog?.recorded ?? 0, stored: base?.local.length ?? 0, damaged: this.storageDamage?.code === 'STORAGE_DAMAGED', restorePending: this.storageDamage?.code === 'RESTORE_PENDING' },
      writers: tracker?.progress() ?? []
    }
  }

  protected override async _open (): Promise<void> {
    await this.replica.ready()
  }

  protected override async _close (): Promise<void> {
    await this.replica.close()
  }

  /**
   * Append an entry. It is validated here first (a coded error, nothing appended), then
   * group-committed with concurrent appends into one block of this device's log.
   */
  async append (input: EntryInput): Promise<Entry> {
    await this.replica.settled()
    return this.replica.appends.commit(this.usable$(), input)
  }

  /**
   * A receipt for entry `id`: a self-contained JSON proof anyone can check offline with
   * `verifyReceipt()`, without the ledger's encryption key (see receipt.ts for what it proves).
   * `NOT_PROVABLE` for rejected or held entries.
   */
  async proof (id: string, opts: ProofOptions = {}): Promise<Receipt> {
    return this.reading(async () => {
      const base = this.usable$()
      const keyPair = base.local.keyPair
      if (keyPair?.secretKey == null) throw MeshledgerError.notProvable('this device has no signing key to issue receipts with')
      return makeReceipt({ store: this.replica.store as Corestore, base, index: this.replica.index, keyPair: { publicKey: keyPair.publicKey, secretKey: keyPair.secretKey } }, id, opts)
    })
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
    const record = await this.reading(async (base) => protocolRecord(base.view))
    const out: LedgerProtocol = { active: record?.version ?? BASELINE_PROTOCOL, known: PROTOCOL_VERSION }
    if (record !== null) {
      out.activatedBy = record.by as DeviceKey
      out.activatedAt = record.at
    }
    return out
  }

  /** The entry with this id as this device's view holds it, or null. */
  async get (id: string): Promise<Entry | null> {
    return this.reading(async (base) => this.replica.read(base, parseId(id)))
  }

  /** Where an entry stands; throws `NOT_FOUND` for an entry this device has never seen. */
  async status (id: string): Promise<EntryStatus> {
    return this.reading(async (base) => {
      const addr = parseId(id)
      const entry = await this.replica.read(base, addr)
      if (entry !== null) return entry.status
      const writer = addr.writer.equals(base.local.key) ? base.local : this.replica.tracker?.core(addr.writer)
      if (writer != null && addr.seq < writer.length) return 'pending'
      throw MeshledgerError.notFound(`no entry ${id} on this device`)
    })
  }

  /**
   * Resolves with the entry once it is confirmed (final). Rejects with `ENTRY_REJECTED` once its
   * rejection is final, `TIMEOUT` after `timeout` ms (default: wait as long as it takes), and
   * `LEDGER_CLOSED` if the ledger closes first. The process stays alive while it waits.
   */
  async confirmed (id: string, { timeout = 0 }: { timeout?: number } = {}): Promise<Entry> {
    const replica = this.replica
    const deadline = performance.now() + timeout // a restart under way does not lengthen the wait
    return this.reading(async (base) => waitConfirmed({
      read: (b, addr) => replica.read(b, addr),
      fault: () => replica.fault,
      closing: () => this.closing !== null,
      log: (writer) => replica.tracker?.core(writer) ?? null,
      on: (event, listener) => { this.on(event, listener) },
      off: (event, listener) => { this.off(event, listener) }
    }, base, id, timeout > 0 ? Math.max(1, deadline - performance.now()) : timeout))
  }

  /** Entries matching a filter, by a range read of the best index. */
  query (options: QueryOptions = {}): AsyncGenerator<Entry> {
    const base = this.opened$()
    return queryEntries(base.view, options, this.replica.index)
  }

  /** Live: every entry as it is applied, and notice of reorders. */
  watch (filter: WatchFilter = {}): Watcher {
    this.opened$()
    const feed = this.replica.feed as ViewFeed
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
    return this.reading(async (base) => readMembers(base.view, all))
  }

  /** The role `key` holds now, or null. */
  async roleOf (key: KeyInput): Promise<Role | null> {
    return this.reading(async (base) => roleOf(base.view, decodeKey(key), base.key))
  }

  /** Peers connected now, each with how its confirmed view compares with this device's (`view`). */
  peers (): PeerInfo[] {
    const checker = this.replica.checker
    return (this.replica.network?.peers() ?? []).map((p) => ({ ...p, view: checker?.peer(p.publicKey) ?? null }))
  }

  /**
   * This device's confirmed view (signed length and tree hash) and how many connected peers
   * confirm the same history. Peers restate their view within a fraction of a second of a change;
   * `mismatched` names peers whose confirmed history differs under the same indexer set.
   */
  viewCheck (): ViewCheckSummary {
    this.opened$()
    return (this.replica.checker as ViewCheck).summary()
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
    const replica = this.replica
    if (replica.keyMissing !== null) throw replica.keyMissing
    await base.update()
    await replica.tracker?.refresh()
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
    const index = this.replica.index
    this.verifying ??= auditLedger({
      base,
      cacheSize,
      ownLog: this.stats.ownLog,
      ...(index === null ? {} : { checkIndex: () => index.check() }),
      openReplica: async (storage) => {
        // No fast-forward: the audit rebuilds the view from the logs, it must not adopt the signed one.
        const replica = new LedgerCore({ storage, swarm: false, fastForward: false, key: base.key, encryptionKey: base.encryptionKey, cacheSize })
        await replica.ready()
        return { base: replica.opened$(), close: () => replica.close() }
      }
    }, options, this.replica.audits.signal).catch((err: unknown) => { throw storageFailure(err) ?? err }).finally(() => { this.verifying = null })
    return this.verifying
  }

  /**
   * Copy the storage folder into `folder` (new, on the same filesystem) as it is at one instant,
   * while the ledger keeps running (its writes wait a few milliseconds): a copy RocksDB opens that
   * holds every entry acknowledged before the call. Resolves with the lengths at that instant.
   * Restore such a copy with a restore mark (see the README's "Backup and restore").
   */
  async snapshot (folder: string): Promise<LedgerSnapshot> {
    await this.replica.settled()
    const base = this.usable$()
    const store = this.replica.store as Corestore
    return snapshotStore(store, this.options.storage, folder, () => ({
      ledger: this.key,
      device: this.deviceKey,
      ownLog: base.local.length,
      view: base.view.core.length,
      writers: this.stats.writers.map(({ key, length }) => ({ key, length }))
    }))
  }

  /** Length of the view (Hyperbee blocks, not entries). */
  get length (): number {
    return this.replica.base?.view.core.length ?? 0
  }

  /**
   * `STORAGE_FULL` while the disk has less room than `minFreeBytes` or than the last declined
   * append needed; null once it has (or with the check off). For health checks.
   */
  async storageCheck (): Promise<MeshledgerError | null> {
    return this.replica.appends.storageCheck()
  }

  /** The view, once open; throws when closed or not ready. */
  protected view$ (): Hyperbee {
    return this.opened$().view
  }

  private opened$ (): Autobase<Hyperbee> {
    // Hypercore closes every session of a log it finds forked, and Autobase reports that close as
    // a failure: the fork, once known, is the cause to report.
    const { base, fault, interruption } = this.replica
    if (fault !== null) throw interruption ?? fault
    if (this.closing !== null) throw MeshledgerError.ledgerClosed()
    if (base === null || !this.opened) throw MeshledgerError.notReady()
    // Autobase closes itself after a fatal error, this device's log found forked among them.
    if (base.closing !== null) throw interruption ?? MeshledgerError.ledgerClosed()
    return base
  }

  /**
   * Run `read` on the ledger as it is opened now. A restart (a restored device reopening on its
   * log) that begins while it runs closes what it reads under it: it runs again on the reopened
   * ledger, so a call made meanwhile waits for it instead of failing with the old one's closing.
   * A read the ledger's close ended (one waiting for a block of a view still being fetched: the
   * close cancels it) fails with `LEDGER_CLOSED`, not the storage layer's code.
   */
  private async reading<T> (read: (base: Autobase<Hyperbee>) => Promise<T>): Promise<T> {
    for (;;) {
      await this.replica.settled()
      const restarts = this.replica.restarts
      try {
        return await read(this.opened$())
      } catch (err) {
        if (this.closing !== null) throw err instanceof MeshledgerError ? err : MeshledgerError.ledgerClosed(err)
        if (this.replica.restarts === restarts) throw err
      }
    }
  }

  private usable$ (): Autobase<Hyperbee> {
    const base = this.opened$()
    const interruption = this.replica.interruption
    if (interruption !== null) throw interruption
    return base
  }
}
