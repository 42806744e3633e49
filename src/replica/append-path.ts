/**
 * The append path: an entry is checked here first (a coded error, nothing appended), gated on
 * the ledger's active protocol, dry-run through apply's own handlers for a ledger op, then
 * group-committed with concurrent appends into one block of this device's log; the answer is
 * what apply decided about it, read back once per block.
 */
import type Autobase from 'autobase'
import type Hyperbee from 'hyperbee'
import safetyCatch from 'safety-catch'
import { checkOp } from '../apply/check-op.js'
import { dryRun } from '../apply/dry-run.js'
import { BASELINE_PROTOCOL, activeProtocol } from '../apply/protocol-activation.js'
import { MeshledgerError } from '../errors.js'
import { encodeKey, type DeviceKey } from '../keys.js'
import { entryOfBlock, type Entry } from '../protocol/entry.js'
import { formatId } from '../protocol/entry-id.js'
import { protocolOf } from '../protocol/op-types.js'
import { PROTOCOL_VERSION, isSystemType, type EntryInput, type Sealer, type WireOp } from '../protocol/ops.js'
import { readBlock, type BlockRead } from '../view/entry-reads.js'
import { DiskRoom } from './disk-room.js'
import { GroupCommit } from './group-commit.js'
import type { OwnLog } from './own-log.js'
import { isDiskFull } from './storage-errors.js'
import type { WalSync } from './storage.js'

/** What the append path needs from the replica it writes for; read at each call. */
export interface AppendHost {
  storage: string
  minFreeBytes: number | undefined
  durable: boolean
  base (): Autobase<Hyperbee> | null
  /** The fatal storage failure, once there was one. */
  fault (): Error | null
  /** Why this device stopped writing (an upgrade, its own log forked), or null. */
  interruption (): MeshledgerError | null
  storageDamage (): MeshledgerError | null
  /** What Autobase's update reads when this device appends is here (view-prefetch.ts). */
  writeReady (): boolean
  /** True once it is, false once nothing of it has arrived for a while (view-prefetch.ts). */
  untilWriteReady (): Promise<boolean>
  /** True once this device's log is proven forked. */
  forked (): boolean
  wal (): WalSync | null
  ownLog (): OwnLog | null
  sealer (): Sealer | undefined
  /** A fatal storage failure: the replica remembers it and says so. */
  failed (err: unknown): void
}

/** Internal: the append path of one replica. */
export class AppendPath {
  readonly commits: GroupCommit
  private readonly host: AppendHost
  private readonly room: DiskRoom
  private readonly blockReads = new Map<number, Promise<BlockRead | null>>()

  constructor (host: AppendHost) {
    this.host = host
    this.room = new DiskRoom(host.storage, host.minFreeBytes)
    this.commits = new GroupCommit((block) => this.writeBlock(block), () => host.sealer())
  }

  /** Forget reads of the previous open. */
  reset (): void {
    this.blockReads.clear()
  }

  /** See `Ledger.storageCheck()`. */
  async storageCheck (): Promise<MeshledgerError | null> {
    return this.room.check()
  }

  /** Append `input` to `base`: the entry as apply decided it, or `pending` until it has. */
  async commit (base: Autobase<Hyperbee>, input: EntryInput): Promise<Entry> {
    const { op, json } = checkedOp(input)
    const damage = this.host.storageDamage()
    if (damage !== null) throw damage
    if (!base.writable) throw MeshledgerError.notWritable('this device is not a writer of the ledger')
    // Admitted by a fast-forward: the state Autobase's update reads is fetched first, or the
    // append would wait in that update for a peer that may leave (view-prefetch.ts).
    if (!this.host.writeReady() && !await this.host.untilWriteReady()) throw MeshledgerError.notWritable('this device was admitted by a fast-forward and has not fetched the ledger state its appends read; it writes once a peer gave it that (the writable event)')
    // Held for good anyway, and a peer that caught the fork no longer follows this log: another
    // writer's block that builds on a new block of it would never apply there.
    if (this.host.forked()) throw MeshledgerError.forked('this device\'s log is proven forked (see ledger.forks()); remove it and join again from a fresh folder')
    await this.protocolGate(base, op)
    if (isSystemType(op.t)) {
      const refusal = await dryRun(base.view, base.key, base.local.key, base.local.length, op)
      if (refusal !== null) throw MeshledgerError.fromRefusal(refusal)
    }
    const { seq, offset, protocol } = await this.commits.push(op, json)
    const entry: Entry = {
      id: formatId(base.local.key, seq, offset),
      writer: encodeKey<DeviceKey>(base.local.key),
      seq,
      offset,
      type: op.t,
      version: protocol,
      timestamp: op.s,
      data: op.d,
      status: 'applied'
    }
    // Answer with what apply decided (membership ops, quarantine and the block checks can all
    // refuse), read once per block: never a status the view does not hold.
    let read = this.blockReads.get(seq)
    if (read === undefined) {
      read = readBlock(base.view, base.local.key, seq)
      this.blockReads.set(seq, read)
      read.finally(() => this.blockReads.delete(seq)).catch(safetyCatch)
    }
    const block = await read
    if (block === null) return { ...entry, status: 'pending' }
    return entryOfBlock(base.local.key, seq, offset, block.record, block.nodeSeq, base.view.core.signedLength) ?? entry
  }

  /**
   * The genesis block of a ledger created here, one block: `member.add` of this device as the
   * first indexer, then `ledger.protocol` when `protocol` is above the baseline.
   */
  async genesis (base: Autobase<Hyperbee>, protocol: number): Promise<void> {
    if (!Number.isSafeInteger(protocol) || protocol < BASELINE_PROTOCOL || protocol > PROTOCOL_VERSION) {
      throw MeshledgerError.invalidEntry(`protocol is an integer from ${BASELINE_PROTOCOL} to ${PROTOCOL_VERSION}`)
    }
    const inputs: EntryInput[] = [{ type: 'member.add', data: { key: encodeKey(base.local.key), role: 'indexer' } }]
    if (protocol > BASELINE_PROTOCOL) inputs.push({ type: 'ledger.protocol', data: { version: protocol } })
    // Checked first, then pushed in one tick, so they travel in one block.
    const checked = inputs.map(checkedOp)
    await Promise.all(checked.map(({ op, json }) => this.commits.push(op, json)))
  }

  private async writeBlock (block: Buffer): Promise<number> {
    const host = this.host
    const base = host.base()
    const fault = host.fault()
    if (fault !== null) throw fault
    if (base === null || base.closed) throw MeshledgerError.ledgerClosed()
    const interruption = host.interruption()
    if (interruption !== null) throw interruption
    const damage = host.storageDamage()
    if (damage !== null) throw damage
    await this.room.ensure(block.length)
    try {
      const length = await base.append(block)
      // Durable mode: the group commit ends in one WAL fsync and then the log record (what the
      // WAL holds now, never more), before any caller hears back.
      const wal = host.wal()
      if (host.durable && wal !== null) {
        const synced = base.local.length
        await wal.sync()
        await host.ownLog()?.record(synced, true)
      }
      return length - 1
    } catch (err) {
      // A write RocksDB refused surfaces here as "Autobase is closing": Autobase has already
      // reported the real cause (see failed()), synchronously, before it closed.
      if (isDiskFull(err)) host.failed(err)
      throw host.fault() ?? err
    }
  }

  /**
   * Never write a block the ledger would refuse whole: an op of a protocol the ledger has not
   * activated is refused here (`PROTOCOL_NOT_ACTIVE`), and an activation of a protocol this code
   * does not know (`UPGRADE_REQUIRED`: upgrade this device first, then activate).
   */
  private async protocolGate (base: Autobase<Hyperbee>, op: WireOp): Promise<void> {
    if (op.t === 'ledger.protocol') {
      const version = (op.d as { version: number }).version
      if (version > PROTOCOL_VERSION) throw MeshledgerError.upgradeRequired(`this device runs protocol ${PROTOCOL_VERSION} and cannot activate ${version}: upgrade it first`)
    }
    const needed = protocolOf(op.t)
    if (needed <= BASELINE_PROTOCOL) return
    const active = await activeProtocol(base.view)
    if (needed > active) throw MeshledgerError.protocolNotActive(`${op.t} needs protocol ${needed}; the ledger runs protocol ${active} (an indexer activates it with ledger.activateProtocol)`)
  }
}

/** `input` as an op stamped now, checked: its data the checked copy (never the caller's value) and its JSON; a coded error otherwise. */
function checkedOp (input: EntryInput): { op: WireOp, json: string } {
  if (typeof input !== 'object' || input === null) throw MeshledgerError.invalidEntry('an entry is { type, data }')
  const op: WireOp = { t: input.type, s: Date.now(), d: input.data === undefined ? null : input.data }
  const checked = checkOp(op)
  if ('code' in checked) {
    throw checked.code === 'ENTRY_TOO_LARGE' ? MeshledgerError.entryTooLarge(checked.reason) : MeshledgerError.invalidEntry(checked.reason)
  }
  op.d = checked.data
  return { op, json: checked.json }
}
