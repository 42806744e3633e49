/**
 * The guard of this device's own writer log. It keeps the log record (log-record.ts) up to date,
 * checks the store against it on open, and, when the store holds less than was recorded, keeps
 * the device from writing and fetches the missing blocks back from peers.
 *
 * Why writing must stop: the lost blocks were signed and most likely replicated. A block signed
 * again at the same index with other content is a fork; peers freeze the log, and a ledger whose
 * only indexer forked is dead. Hypercore accepts its own log back from a peer: the peer's signed
 * length arrives as an upgrade over replication (the signature checks against the device's own
 * key) once asked with `update({ force: true })`, and the blocks follow as for any other log.
 *
 * When the record is written: in durable mode after each group commit's WAL fsync, before the
 * entries are acknowledged; in any mode at most {@link RECORD_INTERVAL_MS} after the log grows
 * (acks included) and on close, each time after a WAL fsync, so the record never claims a block
 * the WAL may not hold; and once a restored log is whole again, before the restore mark goes.
 */
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'

const noop = (): void => {}
import { MeshledgerError } from '../errors.js'
import { LogRecordFile, type LogMark } from './log-record.js'
import { clearRestoreMark, readRestoreMark } from './restore-mark.js'
import { isScratchStream } from '../audit/pipe.js'
import type { WalSync } from './storage.js'

/** Longest the record lags behind the log outside a durable group commit, ms. */
export const RECORD_INTERVAL_MS = 1000

/**
 * How often a damaged device looks again for a peer holding its log. A peer's length arrives in
 * a sync message Hypercore emits no event for, so `peer-add` alone can come too early.
 */
const RESTORE_RETRY_MS = 500

/** Blocks of the own log requested at once while restoring it, and how long one may take, ms. */
const FETCH_WINDOW = 64
const FETCH_TIMEOUT_MS = 5000

/** What opening found: the log is whole, or short (peers may hold the rest), or beyond repair. */
export interface OwnLogState {
  recorded: number
  stored: number
  damage: MeshledgerError | null
}

/** Internal: one per open store. */
export class OwnLog {
  private readonly folder: string
  private readonly file: LogRecordFile
  private readonly wal: WalSync
  private mark: LogMark | null = null
  private writing: Promise<void> = Promise.resolve()
  private timer: NodeJS.Timeout | null = null
  private core: Hypercore | null = null
  private ledger: Buffer | null = null
  private restoring: Hypercore | null = null
  /** Set while the store holds less than was recorded (or another history). */
  damage: MeshledgerError | null = null
  /** Blocks of the log this store held at open. */
  stored = 0
  /**
   * The folder was restored from a backup (restore-mark.ts): how far the log got is not known
   * here, only by peers, so it is caught up to the longest length the peers on it state.
   */
  restored = false

  constructor (folder: string, wal: WalSync) {
    this.folder = folder
    this.file = new LogRecordFile(folder)
    this.wal = wal
  }

  /** Blocks recorded as written. */
  get recorded (): number {
    return this.mark?.length ?? 0
  }

  /**
   * Check the store against the record, before Autobase opens (it must not ack on a short log).
   * `ledger` is the ledger the store holds (null: none). Throws `STORAGE_DAMAGED` when nothing
   * can repair the folder; sets `damage` when peers may.
   */
  async inspect (store: Corestore, ledger: Buffer | null): Promise<void> {
    this.mark = await this.file.read()
    this.restored = await readRestoreMark(this.folder) !== null
    if (this.mark !== null) await this.inspectRecord(store, ledger, this.mark)
    if (this.restored && this.damage === null) {
      this.damage = MeshledgerError.restorePending('this device was restored from a backup; it writes nothing until peers have given back the rest of its log (the blocks it wrote after the backup), so it cannot fork it')
    }
  }

  private async inspectRecord (store: Corestore, ledger: Buffer | null, mark: LogMark): Promise<void> {
    if (ledger === null) {
      throw MeshledgerError.storageDamaged(`${this.folder} recorded ${mark.length} blocks of this device's log, but its store holds no ledger at all (its keys are gone too); join again from a fresh folder`)
    }
    if (ledger.toString('hex') !== mark.ledger) {
      throw MeshledgerError.storageDamaged(`${this.folder} holds another ledger than the one its log record names`)
    }
    const local = store.get({ name: 'local', active: false })
    try {
      await local.ready()
      if (local.key.toString('hex') !== mark.writer) {
        throw MeshledgerError.storageDamaged(`${this.folder} lost this device's writer key (its log record names another); join again from a fresh folder`)
      }
      this.stored = local.length
      this.damage = await this.compare(local)
    } finally {
      await local.close()
    }
  }

  /** Start recording `core` (this device's log) in `ledger`; writes a first record if none. */
  async attach (core: Hypercore, ledger: Buffer): Promise<void> {
    this.core = core
    this.ledger = ledger
    core.on('append', () => this.touched())
    if (this.damage === null && (this.mark === null || core.length > this.mark.length)) await this.record()
  }

  /** Record the log as it is now (after a WAL fsync of the caller's, or the record's own). */
  async record (length = this.core?.length ?? 0, synced = false): Promise<void> {
    return this.queued(() => this.write(length, synced))
  }

  /** The log grew: record it within {@link RECORD_INTERVAL_MS}. */
  touched (): void {
    if (this.timer !== null || this.damage !== null || this.core === null) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.record().catch(safetyCatch)
    }, RECORD_INTERVAL_MS)
    this.timer.unref()
  }

  /**
   * While damaged: fetch this device's log back from whichever peer has it, up to the recorded
   * length (a restored folder: up to the longest length its peers state, once every peer on the
   * log has stated one). Resolves once the store holds that history; `damage` stays set (the
   * Autobase open on the short log must not write): reopen the store to write again.
   */
  async restore (store: Corestore, key: Buffer, signal: AbortSignal): Promise<void> {
    const mark = this.mark
    if (this.damage === null || (mark === null && !this.restored)) return
    const core = store.get({ key })
    this.restoring = core
    await core.ready()
    try {
      await new Promise<void>((resolve, reject) => {
        let asking = false
        let fetching = false
        const attempt = (): void => {
          if (core.closed) return
          const length = this.target(core)
          if (length === null) return
          if (core.length < length) {
            // Ask for the signed length (a writable core's `update()` returns false at once unless
            // forced), in the background: the answer may also arrive another way (this log's other
            // sessions), and then 'append' brings us back here.
            // Only of a peer that says it holds the log that far (the audit's scratch copies do not).
            if (asking || !core.peers.some((p) => p.remoteLength >= length)) return
            asking = true
            core.update({ wait: true, force: true }).catch(noop).finally(() => {
              asking = false
              attempt()
            })
            return
          }
          if (fetching) return
          fetching = true
          this.fetch(core, length).then(async (whole) => {
            if (whole && this.restored) {
              // The record first: the blocks just fetched sit in RocksDB's WAL, unsynced, while
              // dropping the mark is durable at once. A power cut after the mark went that lost
              // them would leave a log that looks whole at the backup's length, and the device
              // would sign those indexes again: a fork. Recorded at the restored length, the
              // next open finds the loss instead (the log is shorter than its record).
              await this.recordRestored(core, length)
              await clearRestoreMark(this.folder)
            }
            fetching = false
            if (whole) finish(resolve)
          }).catch((err: unknown) => {
            fetching = false // a get that timed out: the next try asks again
            if (!signal.aborted && !core.closed) safetyCatch(err)
          })
        }
        const abort = (): void => finish(() => reject(signal.reason))
        const retry = setInterval(attempt, RESTORE_RETRY_MS)
        retry.unref()
        const finish = (fn: () => void): void => {
          clearInterval(retry)
          core.off('peer-add', attempt)
          core.off('remote-contiguous-length', attempt)
          core.off('append', attempt)
          signal.removeEventListener('abort', abort)
          fn()
        }
        core.on('peer-add', attempt)
        core.on('remote-contiguous-length', attempt)
        core.on('append', attempt)
        signal.addEventListener('abort', abort)
        if (signal.aborted) abort()
        else attempt()
      })
    } finally {
      this.restoring = null
      await core.close()
    }
  }

  /**
   * How long the log must get before this device may write: the recorded length; for a restored
   * folder, null until some peer is on the log and every one has stated its length, then the
   * longest of those (the record's length at least). A peer that does not hold the log states 0.
   */
  private target (core: Hypercore): number | null {
    const recorded = this.mark?.length ?? 0
    if (!this.restored) return recorded
    // The audit's scratch copies replicate from this store: they only hold what it holds.
    const peers = core.peers.filter((p) => !isScratchStream(p.stream))
    if (peers.length === 0 || peers.some((p) => !p.remoteSynced)) return null
    return Math.max(recorded, core.length, ...peers.map((p) => p.remoteLength))
  }

  /** Stop the timer and write a last record (the WAL is synced first). */
  async close (): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    await this.restoring?.close()
    if (this.core !== null && !this.core.closed) await this.record()
    await this.writing
    await this.file.close()
  }

  private async write (length: number, synced: boolean): Promise<void> {
    if (this.core === null || this.damage !== null || this.core.closed) return
    await this.writeMark(this.core, length, synced)
  }

  /**
   * A restored log is whole at `length` (fetched from peers, checked against the record): record
   * it, though `damage` stays set until the store is reopened.
   */
  private async recordRestored (core: Hypercore, length: number): Promise<void> {
    return this.queued(() => this.writeMark(core, length, false))
  }

  /** Run `write` after the writes queued before it: the record file takes one at a time. */
  private async queued (write: () => Promise<void>): Promise<void> {
    const next = this.writing.then(write)
    this.writing = next.catch(() => {})
    return next
  }

  /** Write the record of `core` at `length`, after a WAL fsync unless the caller just made one. */
  private async writeMark (core: Hypercore, length: number, synced: boolean): Promise<void> {
    const ledger = this.ledger
    if (ledger === null) return
    if (this.mark !== null && length <= this.mark.length) return
    if (!synced) await this.wal.sync()
    const mark: LogMark = {
      ledger: ledger.toString('hex'),
      writer: core.key.toString('hex'),
      length,
      treeHash: (await core.treeHash(length)).toString('hex')
    }
    await this.file.write(mark)
    this.mark = mark
  }

  /**
   * Get the blocks up to `length` (the signed length is here), a window at a time; true once all
   * are here and they are the recorded history. Block by block, not `download({ start, end })`:
   * on this log such a range download was seen to stop for good halfway (4 runs in 6), with the
   * peer holding every block and a plain `get()` of the next one answered at once.
   */
  private async fetch (core: Hypercore, length: number): Promise<boolean> {
    for (let start = core.contiguousLength; start < length; start += FETCH_WINDOW) {
      const gets: Array<Promise<unknown>> = []
      for (let i = start; i < Math.min(length, start + FETCH_WINDOW); i++) gets.push(core.get(i, { timeout: FETCH_TIMEOUT_MS }))
      await Promise.all(gets)
    }
    return core.contiguousLength >= length && await this.compare(core) === null
  }

  /** The damage of `core` against the record, or null when it holds the recorded history. */
  private async compare (core: Hypercore): Promise<MeshledgerError | null> {
    const mark = this.mark
    if (mark === null) return null
    if (core.length < mark.length) {
      return MeshledgerError.storageDamaged(`this device's log holds ${core.length} blocks but ${mark.length} were written and recorded (the store lost acknowledged entries); writing is refused until peers give the rest back`)
    }
    const hash = (await core.treeHash(mark.length)).toString('hex')
    if (hash === mark.treeHash) return null
    return MeshledgerError.storageDamaged(`this device's log at ${mark.length} blocks is not the history it recorded; join again from a fresh folder`)
  }
}
