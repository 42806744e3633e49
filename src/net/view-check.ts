/**
 * The cross-peer check of the confirmed view. Every replication connection carries a small
 * Protomux channel on which each side states its confirmed view: the view core's key, its signed
 * length and the Merkle tree hash at that length; it states it again whenever that changes. Each
 * side compares what a peer states with its own view core, so a device learns whether the ledger
 * it calls final is the one its peers call final.
 *
 * Under one view key two honest devices can only differ in length: the indexers' quorum signs the
 * tree hash. A `mismatch` therefore means an indexer signed two histories (a device cloned with
 * its keys, say) or a broken apply; it never comes from ordinary sync lag.
 */
import type Hypercore from 'hypercore'
import c from 'compact-encoding'
import Protomux from 'protomux'
import ReadyResource from 'ready-resource'
import safetyCatch from 'safety-catch'
import { encodeKey, type SwarmKey } from '../keys.js'

/** The Protomux protocol name; the channel id is the ledger's discovery key. */
export const VIEW_CHECK_PROTOCOL = 'meshledger/view-check'

/**
 * At most one recomputation (and one message per peer) per this many ms: under a steady write
 * load the signed length moves with every ack, and peers need the state, not every step.
 */
const THROTTLE_MS = 250

/** A confirmed view as the wire carries it. */
interface ViewState {
  key: Buffer
  length: number
  hash: Buffer
}

const stateEncoding = {
  preencode (state: c.State, s: ViewState): void {
    c.fixed32.preencode(state, s.key)
    c.uint.preencode(state, s.length)
    c.fixed32.preencode(state, s.hash)
  },
  encode (state: c.State, s: ViewState): void {
    c.fixed32.encode(state, s.key)
    c.uint.encode(state, s.length)
    c.fixed32.encode(state, s.hash)
  },
  decode (state: c.State): ViewState {
    // Trailing bytes are left alone: a newer version may append fields.
    return { key: Buffer.from(c.fixed32.decode(state)), length: c.uint.decode(state), hash: Buffer.from(c.fixed32.decode(state)) }
  }
}

/**
 * How a peer's confirmed view compares with this device's:
 * - `match`: the same history up to the shorter of the two confirmed lengths;
 * - `mismatch`: a different history under the same view key;
 * - `ahead`: the peer confirmed more than this device and its extra part cannot be checked here yet;
 * - `other-indexer-set`: the peer's view core has another key (the indexer set changed on one side).
 */
export type ViewAgreement = 'match' | 'mismatch' | 'ahead' | 'other-indexer-set'

/** What a peer last stated about its confirmed view, and how it compares. */
export interface PeerViewCheck {
  /** The peer's confirmed (signed) view length, in view blocks. */
  length: number
  /** Its view's tree hash at that length (hex). */
  hash: string
  /** Its view core key (z32); it changes with the indexer set. */
  viewKey: string
  /** The peer's confirmed length against this device's: `equal`, `behind` (shorter) or `ahead`. */
  position: 'equal' | 'behind' | 'ahead'
  result: ViewAgreement
  /** When the peer last stated its view, ms since the epoch. */
  receivedAt: number
}

/** This device's confirmed view and how its connected peers compare. */
export interface ViewCheckSummary {
  /** Confirmed (signed) view length, in view blocks. */
  confirmedLength: number
  /** Tree hash of the view at that length (hex). */
  hash: string
  /** The view core key (z32). */
  viewKey: string
  /** Connected peers that stated their confirmed view. */
  peers: number
  /** Of those, the ones whose history matches this device's. */
  agreeing: number
  /** Swarm keys of the peers whose confirmed history differs from this device's. */
  mismatched: SwarmKey[]
  /** Peers ahead of this device, or on another indexer set: not comparable yet. */
  unchecked: number
}

/** A replication stream: a Hyperswarm connection, or what `store.replicate(bool)` returns. */
export interface ReplicationStream {
  noiseStream: { remotePublicKey: Buffer | null }
}

/** A peer's statement and when it arrived. */
interface Statement {
  view: ViewState
  at: number
}

/** One connection's channel and what its peer last said. */
interface Link {
  stream: ReplicationStream
  send: (state: ViewState) => void
  heard: Statement | null
  /** A comparison for this link is queued (it reads `heard` when it runs). */
  queued: boolean
  check: PeerViewCheck | null
}

/**
 * Runs the view check for one ledger: attach every replication stream, poke it when the view
 * changes. Emits `check` (peer swarm key, {@link PeerViewCheck}) whenever a peer's comparison
 * changes, and `warning` for trouble that did not stop it.
 */
export class ViewCheck extends ReadyResource {
  private readonly view: { readonly core: Hypercore }
  private readonly id: Buffer
  private readonly links = new Set<Link>()
  private own: ViewState | null = null
  private timer: NodeJS.Timeout | null = null
  private queue: Promise<void> = Promise.resolve()
  private readonly onchange = (): void => this.poke()

  /** `view` is the ledger's view (its `core` is read afresh each time); `id` the ledger's discovery key. */
  constructor (view: { readonly core: Hypercore }, id: Buffer) {
    super()
    this.view = view
    this.id = id
  }

  protected override async _open (): Promise<void> {
    // Known before the first connection, so the first thing a peer hears is this device's state.
    this.own = await this.current()
    this.view.core.on('append', this.onchange)
    this.view.core.on('truncate', this.onchange)
  }

  protected override async _close (): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.view.core.off('append', this.onchange)
    this.view.core.off('truncate', this.onchange)
    await this.queue
    this.links.clear()
  }

  /** The view may have changed (new signatures, another view key): restate it soon. */
  poke (): void {
    if (this.timer !== null || this.closing !== null || !this.opened) return
    this.timer = setTimeout(() => {
      this.timer = null
      this.run(() => this.refresh())
    }, THROTTLE_MS)
    this.timer.unref()
  }

  /** Open the check's channel on a replication stream (the one corestore replicates on). */
  attach (stream: ReplicationStream): void {
    if (this.closing !== null) return
    const mux = Protomux.from(stream.noiseStream)
    const link: Link = { stream, send: () => {}, heard: null, queued: false, check: null }
    const channel = mux.createChannel({
      protocol: VIEW_CHECK_PROTOCOL,
      id: this.id,
      // Speak only once the peer has opened the channel too: protomux holds messages for a channel
      // the other side has not opened, and past 32 KiB it pauses the whole stream, replication included.
      onopen: () => {
        this.links.add(link)
        if (this.own !== null) link.send(this.own)
      },
      onclose: () => { this.links.delete(link) }
    })
    if (channel === null) return // already open on this stream
    const message = channel.addMessage({ encoding: c.raw, onmessage: (buf) => this.received(link, buf) })
    link.send = (state) => { message.send(c.encode(stateEncoding, state)) }
    channel.open()
  }

  /** What the peer with this swarm key (z32) last stated, compared; null if it has not. */
  peer (publicKey: string): PeerViewCheck | null {
    let best: PeerViewCheck | null = null
    for (const link of this.links) {
      if (link.check === null || keyOf(link) !== publicKey) continue
      if (best === null || link.check.receivedAt > best.receivedAt) best = link.check
    }
    return best
  }

  /** This device's confirmed view and how its peers compare (one entry per peer, newest statement). */
  summary (): ViewCheckSummary {
    const own = this.own
    const peers = new Map<SwarmKey, PeerViewCheck>()
    for (const link of this.links) {
      const key = keyOf(link)
      if (link.check === null || key === null) continue
      const seen = peers.get(key)
      if (seen === undefined || link.check.receivedAt > seen.receivedAt) peers.set(key, link.check)
    }
    const checks = [...peers.entries()]
    return {
      confirmedLength: own?.length ?? 0,
      hash: own?.hash.toString('hex') ?? '',
      viewKey: own === null ? '' : encodeKey(own.key),
      peers: checks.length,
      agreeing: checks.filter(([, v]) => v.result === 'match').length,
      mismatched: checks.filter(([, v]) => v.result === 'mismatch').map(([k]) => k),
      unchecked: checks.filter(([, v]) => v.result === 'ahead' || v.result === 'other-indexer-set').length
    }
  }

  /** Run `fn` after everything queued before it: comparisons and restatements never interleave. */
  private run (fn: () => Promise<void>): void {
    this.queue = this.queue.then(fn).catch((err: unknown) => {
      safetyCatch(err)
      if (this.closing === null) this.emit('warning', err)
    })
  }

  private received (link: Link, buf: Buffer): void {
    let state: ViewState
    try {
      state = c.decode(stateEncoding, buf)
    } catch {
      return // not a state message (garbage or a future format): ignore it, never drop replication
    }
    if (!Number.isSafeInteger(state.length)) return
    link.heard = { view: state, at: Date.now() }
    // One queued comparison per link, whatever the rate of statements: a chatty peer cannot grow the queue.
    if (link.queued) return
    link.queued = true
    this.run(async () => {
      link.queued = false
      await this.compare(link)
    })
  }

  /** Recompute this device's state; if it changed, tell every peer and compare everyone again. */
  private async refresh (): Promise<void> {
    if (this.closing !== null) return
    const next = await this.current()
    const own = this.own
    if (own !== null && own.length === next.length && own.key.equals(next.key) && own.hash.equals(next.hash)) return
    this.own = next
    for (const link of this.links) link.send(next)
    for (const link of this.links) await this.compare(link)
  }

  private async current (): Promise<ViewState> {
    const core = this.view.core
    const key = core.key
    const length = core.signedLength
    const hash = await core.treeHash(length)
    // The view core changes key with the indexer set. If it did meanwhile, this is still a true
    // statement about the old core; state the new one on the next round.
    if (!this.view.core.key.equals(key)) this.poke()
    return { key, length, hash }
  }

  private async compare (link: Link): Promise<void> {
    const own = this.own
    const heard = link.heard
    if (own === null || heard === null || this.closing !== null) return
    const peer = heard.view
    const position = peer.length === own.length ? 'equal' : peer.length < own.length ? 'behind' : 'ahead'
    let result: ViewAgreement
    if (!peer.key.equals(own.key)) {
      result = 'other-indexer-set'
    } else if (position === 'equal') {
      result = peer.hash.equals(own.hash) ? 'match' : 'mismatch'
    } else {
      // Behind: our signed prefix at its length is final and comparable. Ahead: only if our own
      // (tentative) view reaches that far and already agrees; a difference there may be a reorder.
      const hash = await this.hashAt(own.key, peer.length)
      // Behind with no hash: our own view core changed key meanwhile, and the restatement that
      // follows compares again.
      if (hash === null && position === 'behind') return
      if (hash === null) result = 'ahead'
      else if (hash.equals(peer.hash)) result = 'match'
      else result = position === 'behind' ? 'mismatch' : 'ahead'
    }
    if (link.heard !== heard) return // a newer statement arrived meanwhile; its comparison is queued
    const check: PeerViewCheck = { length: peer.length, hash: peer.hash.toString('hex'), viewKey: encodeKey(peer.key), position, result, receivedAt: heard.at }
    const before = link.check
    link.check = check
    const key = keyOf(link)
    if (key !== null && (before === null || before.result !== result || before.position !== position || before.length !== check.length)) {
      this.emit('check', key, check)
    }
  }

  /** Our view's tree hash at `length`, or null if the view core is no longer `key` or is shorter. */
  private async hashAt (key: Buffer, length: number): Promise<Buffer | null> {
    const core = this.view.core
    if (!core.key.equals(key) || length > core.length) return null
    try {
      const hash = await core.treeHash(length)
      return core.key.equals(key) ? hash : null
    } catch (err) {
      safetyCatch(err)
      return null // truncated meanwhile (a reorder of the tentative part): compare on the next change
    }
  }
}

function keyOf (link: Link): SwarmKey | null {
  const key = link.stream.noiseStream.remotePublicKey
  return key === null ? null : encodeKey<SwarmKey>(key)
}
