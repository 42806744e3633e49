/**
 * The types around a ledger: its options, how it opened, its members, stats and events.
 */
import type { MeshledgerError } from './errors.js'
import type { EntryId } from './protocol/entry-id.js'
import type { ForkEvidence } from './proofs/fork-evidence.js'
import type { DeviceKey, KeyInput, SwarmKey } from './keys.js'
import type { NetworkOptions, PeerInfo } from './net/peers.js'
import type { Role } from './protocol/vocabulary.js'
import type { PeerViewCheck } from './net/view-check.js'
import type { CatchUpSettleOptions } from './replica/catch-up-settle.js'
import type { WriterProgress } from './replica/writer-tracker.js'

/** Options of {@link Ledger}. */
export interface LedgerOptions extends Omit<NetworkOptions, 'swarm'> {
  /** Folder holding this device's data. One ledger per folder; one process per folder. */
  storage: string
  /**
   * Let a fresh (or far behind) replica jump to the state the indexers signed instead of applying
   * the whole history (Autobase fast-forward). Default true. The view is usable at once; its older
   * blocks are fetched as they are read. `false` applies every block, as an offline audit does.
   */
  fastForward?: boolean
  /**
   * The protocol a ledger created here activates in its genesis block (`ledger.protocol`).
   * Default: the newest this code knows (`PROTOCOL_VERSION`). Give 4 (the baseline: no activation)
   * for a ledger that devices on older code must still join; activate later with
   * `ledger.activateProtocol`. Ignored when opening or joining a ledger.
   */
  protocol?: number
  /** Create the ledger encrypted (default true): nothing readable reaches disk or untrusted peers. */
  encrypt?: boolean
  /** The encryption key of a ledger being joined (invites hand it over; kept after the first open). */
  encryptionKey?: KeyInput | null
  /** Key of the ledger to open or join; omit to create one (or reopen the folder's own). */
  key?: KeyInput | null
  /** A swarm to replicate over, or `false` to stay offline. Default: the ledger starts its own. */
  swarm?: NetworkOptions['swarm'] | false
  /** How often (ms) an indexer acknowledges new data so it becomes final. Default 200. */
  ackInterval?: number
  /**
   * Sync to stable storage before an append resolves (one fsync per group commit), so an
   * acknowledged entry survives a power cut. Default false: a crashed process never loses
   * acknowledged entries, a power cut may lose the last ones.
   */
  durable?: boolean
  /** Bound on cached blocks, Hyperbee nodes and Merkle tree nodes (entries). Default 512. */
  cacheSize?: number
  /**
   * Free bytes the storage's filesystem must keep (besides room for the block) before an append
   * is written; below it appends fail with `STORAGE_FULL` and the ledger stays open. Default
   * 262144; 0 turns the check off. Storage that runs out of space mid-write is torn across RocksDB batches (Autobase
   * writes a flush in several) and closes; this keeps writes from getting there.
   */
  minFreeBytes?: number
  /**
   * After a catch-up (at least `blocks` blocks applied, default 1000), the first `idleMs` (default
   * 1000) without an apply run one memory-reducing GC, which gives back the young generation the
   * catch-up grew (about 32 MB). `{ blocks: 0 }` turns it off.
   */
  catchUpSettle?: CatchUpSettleOptions
}

/** How this instance came to hold its ledger. */
export type LedgerMode = 'created' | 'opened' | 'joined'

/** A member of the ledger. */
export interface Member {
  key: DeviceKey
  role: Role
  /** The indexer that added it (itself, for the creator). */
  addedBy: DeviceKey
  /** Id of the op that added it. */
  addedAt: EntryId
  removedBy?: DeviceKey
  removedAt?: EntryId
  /** Capabilities granted on top of the role (e.g. `inspector`). */
  capabilities?: string[]
  /**
   * Set while the device is quarantined. `by` is the deciding indexer, or `'policy'` when the
   * ledger's auto-quarantine policy decided (`evidence`: the refused blocks' entry ids); `votes`
   * lists the indexers of a majority quorum.
   */
  quarantined?: { by: DeviceKey | 'policy', at: EntryId, reason?: string, evidence?: EntryId[], votes?: DeviceKey[] }
  /** The indexers whose votes removed the device, under a majority quorum. */
  removedByVotes?: DeviceKey[]
  /** Set once the device is proven to have forked its log (see `ledger.forks()`). */
  forkedAt?: EntryId
}

/** `ledger.protocol()`: which protocol the ledger runs, and which this code knows. */
export interface LedgerProtocol {
  /** The ledger's active protocol: the last one its indexers activated, else 4 (the baseline). */
  active: number
  /** The newest protocol this code knows (`PROTOCOL_VERSION`); below `active`, the device is stopped. */
  known: number
  /** The indexer that activated `active`, and the activation entry; absent for the baseline. */
  activatedBy?: DeviceKey
  activatedAt?: string
}

/** Counters and gauges of a ledger, cheap to read. */
export interface LedgerStats {
  peers: number
  /** Entries this device appended since it opened, and the blocks they travelled in. */
  appended: { entries: number, blocks: number }
  /** Length of the view, and how much of it a quorum of indexers signed. */
  view: { length: number, signedLength: number }
  /**
   * Blocks applied since open, counting each again when a reorder (concurrent writers merged
   * in another order than first applied) applied it again: well above the blocks there are
   * means merges cost that many times the work.
   */
  applied: number
  /**
   * Acks this device wrote because finality had stalled with indexers online (an Autobase
   * knot that its own acks never undo; see the README's ackInterval). Zero is normal.
   */
  forcedAcks: number
  /** Memory-reducing GCs run after catch-ups since open (see the `catchUpSettle` option). */
  heapSettles: number
  /**
   * This device's own log: blocks recorded as written (the log record beside the store), blocks
   * stored now, and whether the store holds less than recorded (appends fail `STORAGE_DAMAGED`)
   * or the folder was restored from a backup and waits for peers to give its log back (appends
   * fail `RESTORE_PENDING`).
   */
  ownLog: { recorded: number, stored: number, damaged: boolean, restorePending: boolean }
  writers: WriterProgress[]
}

/** A fork this device detected: Hypercore proved that `key` signed two histories of its log. */
export interface ForkReport {
  /** The forked device. */
  key: DeviceKey
  /** True when the forked log is this device's own: this copy can no longer write. */
  self: boolean
  /** What proves it; appended as `fork.evidence` unless this device cannot write. */
  evidence: ForkEvidence
}

/** Events a {@link Ledger} emits. */
export interface LedgerEvents {
  /**
   * The view changed: entries applied (said as soon as the view holds them), reordered, or
   * confirmed (an indexer's signatures committed, at the end of the pass that applied them).
   */
  update: []
  /** A catch-up ended and its memory was given back (see the `catchUpSettle` option). */
  'heap-settled': []
  /** A peer connected or left. */
  'peer-add': [PeerInfo]
  'peer-remove': [PeerInfo]
  /** A removed member's device tried to connect (or was connected) and was turned away. */
  'peer-refused': [PeerInfo]
  /**
   * A peer stated its confirmed view and the comparison changed (result, position or length).
   * Given the peer's swarm key; `mismatch` means the peer confirms a different history.
   */
  'view-check': [SwarmKey, PeerViewCheck]
  /** This device became (or stopped being) able to write. */
  writable: []
  unwritable: []
  /** This device replicates an encrypted ledger without its key: it can read nothing. */
  'encryption-key-required': [MeshledgerError]
  /**
   * A member's log forked. This device stops following that log (Hypercore freezes it) and
   * reports the evidence on the ledger, which quarantines the device everywhere.
   */
  fork: [ForkReport]
  /** A writer used a newer protocol: this device stopped applying and needs newer code. */
  'upgrade-required': [MeshledgerError]
  /**
   * Storage failed underneath the ledger and Autobase closed itself: `STORAGE_FULL` for a full
   * disk, else the error as raised. Every call throws it from now on; close the ledger and open
   * it again (the daemon does, once space is back). Nothing acknowledged is lost.
   */
  fault: [Error]
  /**
   * This device's store holds less of its own log than it wrote (or another history): appends
   * fail with this `STORAGE_DAMAGED` error; the device keeps replicating to get its log back.
   */
  'storage-damaged': [MeshledgerError]
  /** Peers gave this device its lost log back; the ledger reopened itself and writes again. */
  'storage-restored': []
  /** Something went wrong in the background that did not stop the ledger. */
  warning: [unknown]
  /** The storage folder was readable by others (folder, and the paths now owner-only). */
  'permissions-tightened': [{ folder: string, paths: string[] }]
  /** The ledger finished opening (`ready()` resolved) or closing. */
  ready: []
  close: []
}

/** A listener of event `E`. */
export type LedgerListener<E extends keyof LedgerEvents> = (...args: LedgerEvents[E]) => void

