/**
 * The local index (protocol 7): the index segments of blocks applied under
 * {@link LOCAL_INDEX_PROTOCOL}, derived by this device from the view's block records and kept in a
 * RocksDB of its own (local-index-store.ts), never replicated. They decide nothing, only serve
 * reads, so no peer needs this device's copy: a Hyperbee put in the view costs a block encrypted,
 * hashed, copied by Autobase's commit, replicated with a proof to every peer and re-applied on
 * every reorder; a RocksDB put costs microseconds.
 *
 * It follows the view exactly. After each view update it reads the new view blocks (a block
 * record of a protocol-7 block gives its segments; anything else gives nothing), so a view this
 * device applied and one that arrived by fast-forward are indexed alike. A reorder truncates the
 * view: what was derived from the blocks cut off is deleted, in one batch with the new mark.
 * After a crash the mark may name a prefix the view no longer holds: on open the index goes back
 * to the newest checkpoint whose tree hash the view still has, and indexes again from there.
 * Queries wait until it holds the length they read at ({@link LocalIndex.reader}).
 */
import type Hyperbee from 'hyperbee'
import type RocksDB from 'rocksdb-native'
import safetyCatch from 'safety-catch'
import { recordSegments } from '../apply/segments.js'
import { MeshledgerError } from '../errors.js'
import { decodeBlockRecord } from '../protocol/entry.js'
import { addressOfBlockKey, isBlockKey } from '../protocol/view-layout.js'
import { IndexStore, countSegments, markIn, type Checkpoint, type Derived } from './local-index-store.js'

/** The local index's folder inside the ledger's storage folder. */
export const LOCAL_INDEX_FOLDER = 'local-index'

/** View blocks read per write batch when catching up: a block record holds up to 1,024 entries, so this bounds the segments held at once. */
const BATCH_BLOCKS = 128

/**
 * Shortest time between two catch-ups that follow view updates, ms (the replica spaces its
 * {@link LocalIndex.poke} calls with it). A catch-up costs about the same for one block as for
 * many (the new view blocks' history, a tree hash, one write), and a device receiving an entry
 * every few ms did one for each, beside the apply it shares the thread with. Queries never wait
 * for the spacing: a read catches up at once ({@link LocalIndex.reader}).
 */
export const FOLLOW_SPACING_MS = 200

/** What the local index did since open. */
export interface LocalIndexStats {
  /** View blocks read. */
  blocks: number
  /** Segments written. */
  segments: number
  /** Segments deleted by truncations and crash recovery. */
  dropped: number
}

/** What {@link LocalIndex.check} found, at the view prefix the index held then. */
export interface IndexCheck {
  /** View blocks the index held (and was checked over). */
  length: number
  /** Segments the view's block records call for that the index lacks or holds otherwise. */
  missing: number
  /** Segments the index holds that no block record calls for. */
  extra: number
}

/** How often a check starts again when the view is reordered under it. */
const CHECK_ATTEMPTS = 5

/** Internal: one per open ledger, fed by the replica after each view update. */
export class LocalIndex {
  readonly stats: LocalIndexStats = { blocks: 0, segments: 0, dropped: 0 }
  private readonly store: IndexStore
  private readonly view: Hyperbee
  private readonly warn: (err: unknown) => void
  /** The view prefix the index holds. */
  private indexed = 0
  private checkpoints: number[] = []
  /** The lowest length the view was truncated to since the last pass looked. */
  private truncatedTo: number | null = null
  private generation = 0
  private running: Promise<void> | null = null
  private again = false
  private started = false
  private recovered = false
  private onstart: () => void = () => {}
  private readonly begun = new Promise<void>((resolve) => { this.onstart = resolve })
  private closed = false
  private failure: unknown = null
  private readonly ontruncate: (length: number) => void

  constructor (folder: string, view: Hyperbee, warn: (err: unknown) => void) {
    this.store = new IndexStore(folder)
    this.view = view
    this.warn = warn
    this.ontruncate = (length) => {
      this.generation++
      this.truncatedTo = Math.min(this.truncatedTo ?? length, length)
      this.poke()
    }
  }

  /** Open the store and agree with the view on what it holds; `start()` then follows the view. */
  async ready (): Promise<void> {
    await this.store.ready()
    this.view.core.on('truncate', this.ontruncate)
  }

  /** Follow the view (once its blocks are local: reads of a fast-forwarded view would wait for peers). */
  start (): void {
    if (this.started || this.closed) return
    this.started = true
    this.onstart()
    this.poke()
  }

  /** The view moved: index what is new. */
  poke (): void {
    if (!this.started || this.closed) return
    if (this.running !== null) {
      this.again = true
      return
    }
    this.running = this.catchUp().then(() => { this.failure = null }, (err: unknown) => {
      this.failure = err
      safetyCatch(err)
      if (!this.closed) this.warn(err)
    }).finally(() => {
      this.running = null
      if (this.again) {
        this.again = false
        this.poke()
      }
    })
  }

  /**
   * How many times the view was truncated since open. A reader that took a view snapshot when
   * this was `n` and an index snapshot ({@link reader}) while it still is `n` holds two snapshots
   * of the same view; otherwise a reorder fell between them, and they can disagree.
   */
  get reorders (): number {
    return this.generation
  }

  /**
   * A snapshot of the index holding every view block below `length` (or the view's length, if
   * shorter now): resolves once the index caught up. Close it after reading.
   */
  async reader (length: number): Promise<RocksDB> {
    await this.begun
    while (true) {
      if (this.closed) throw MeshledgerError.ledgerClosed()
      if (this.recovered && this.truncatedTo === null && this.indexed >= Math.min(length, this.view.core.length)) return this.store.db.snapshot()
      this.poke()
      await this.running
      if (this.failure !== null) throw this.failure
    }
  }

  /**
   * Derive the index afresh from the view's block records and compare it, segment by segment,
   * with what this device holds (for `verify`): a damaged or tampered index would answer queries
   * wrongly while the view is sound. Reads a snapshot of the index at a prefix of the view it had
   * caught up to; memory stays bounded (one view block's segments at a time).
   */
  async check (): Promise<IndexCheck> {
    for (let attempt = 1; ; attempt++) {
      const snap = await this.reader(this.view.core.length)
      try {
        const generation = this.generation
        const mark = await markIn(snap)
        const length = mark?.length ?? 0
        let moved = !(mark === null || length === 0 || (length <= this.view.core.length && (await this.view.core.treeHash(length)).equals(mark.hash)))
        let missing = 0
        let matched = 0
        for (let from = 0; from < length && !moved; from += BATCH_BLOCKS) {
          const derived = await this.derive(from, Math.min(length, from + BATCH_BLOCKS), generation)
          if (derived === null) moved = true
          for (const { segments } of derived ?? []) {
            for (const { key, value } of segments) {
              const held = await snap.get(key)
              if (held !== null && held.equals(value)) matched++
              else missing++
            }
          }
        }
        if (!moved) return { length, missing, extra: (await countSegments(snap)) - matched }
        if (attempt >= CHECK_ATTEMPTS) throw MeshledgerError.indexMismatch(`the view kept being reordered while its local index was checked (${attempt} attempts)`)
      } finally {
        await snap.close()
      }
    }
  }

  /**
   * Stop following. A read of a view block that is not here yet (a fast-forwarded view still
   * downloading) waits for peers: it ends when the view closes, so close the view, then this.
   */
  stop (): void {
    this.closed = true
    this.onstart()
    this.view.core.off('truncate', this.ontruncate)
  }

  /** Stop following and close the store, once the pass under way (if any) has ended. */
  async close (): Promise<void> {
    this.stop()
    await this.running
    await this.store.close()
  }

  private async catchUp (): Promise<void> {
    if (!this.recovered) await this.recover()
    while (!this.closed) {
      const generation = this.generation
      if (this.truncatedTo !== null) {
        // Cleared once done: until then readers wait (reader()), even while the rollback writes.
        const to = this.truncatedTo
        if (to < this.indexed && (await this.unlessReordered(this.rollback(to).then(() => true), generation)) === false) continue
        if (this.truncatedTo === to) this.truncatedTo = null
      }
      const core = this.view.core
      const end = Math.min(core.length, this.indexed + BATCH_BLOCKS)
      if (end <= this.indexed) return
      const derived = await this.derive(this.indexed, end, generation)
      if (derived === null) continue
      const hash = await this.unlessReordered(core.treeHash(end), generation)
      if (hash === false || this.generation !== generation || this.closed) continue
      const floor = this.floor(core.signedLength)
      await this.store.add(derived, { length: end, hash }, floor)
      this.checkpoints = this.checkpoints.filter((n) => n >= floor)
      this.checkpoints.push(end)
      this.indexed = end
      this.stats.segments += derived.reduce((n, d) => n + d.segments.length, 0)
    }
  }

  /**
   * What `step` gives, or false when the view was truncated while it ran and it failed for that
   * (a tree hash asked at a length the view no longer has): the pass starts again.
   */
  private async unlessReordered<T> (step: Promise<T>, generation: number): Promise<T | false> {
    try {
      return await step
    } catch (err) {
      if (this.generation !== generation) return false
      throw err
    }
  }

  /** The segments of view blocks `[from, to)`, or null when the view was truncated meanwhile. */
  private async derive (from: number, to: number, generation: number): Promise<Derived[] | null> {
    const out: Derived[] = []
    try {
      for await (const node of this.view.createHistoryStream({ gte: Math.max(1, from), lt: to })) {
        if (this.generation !== generation) return null
        this.stats.blocks++
        if (node.type !== 'put' || !isBlockKey(node.key)) continue
        const { writer, seq } = addressOfBlockKey(node.key)
        const segments = recordSegments(writer, seq, decodeBlockRecord(node.value))
        if (segments.length > 0) out.push({ seq: node.seq, segments })
      }
    } catch (err) {
      if (this.generation !== generation) return null // the blocks went while being read
      throw err
    }
    return this.generation === generation ? out : null
  }

  /**
   * On the first pass: the newest kept checkpoint the view still hashes to (the mark itself,
   * after a clean close) is what the index holds; anything derived after it goes.
   */
  private async recover (): Promise<void> {
    const mark = await this.store.mark()
    const kept = await this.store.checkpoints()
    const core = this.view.core
    let agreed: Checkpoint = { length: 0, hash: await core.treeHash(0) }
    for (const c of (mark === null ? [] : [mark, ...kept.reverse()])) {
      if (c.length > core.length) continue
      if (c.length === 0 || (await core.treeHash(c.length)).equals(c.hash)) {
        agreed = c
        break
      }
    }
    this.checkpoints = kept.map((c) => c.length).filter((n) => n <= agreed.length)
    if (mark === null || agreed.length < mark.length) await this.rollback(agreed.length, agreed)
    if (this.checkpoints.length === 0) this.checkpoints.push(agreed.length)
    this.indexed = agreed.length
    this.recovered = true
  }

  /** Forget what was derived from view blocks at or after `length`. */
  private async rollback (length: number, mark?: Checkpoint): Promise<void> {
    const at = mark ?? { length, hash: await this.view.core.treeHash(length) }
    this.stats.dropped += await this.store.rollback(at)
    this.checkpoints = this.checkpoints.filter((n) => n < length)
    this.checkpoints.push(length)
    this.indexed = length
  }

  /** The newest checkpoint at or below the view's signed length: the view below it never changes. */
  private floor (signedLength: number): number {
    let floor = 0
    for (const n of this.checkpoints) if (n <= signedLength && n > floor) floor = n
    return floor
  }
}
