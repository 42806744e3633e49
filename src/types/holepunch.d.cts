/**
 * Narrow ambient declarations for the untyped Holepunch modules: only the members meshledger
 * uses, `unknown` where a value is passed through untouched.
 */

declare module 'hypercore' {
  import { EventEmitter } from 'node:events'
  import type { DataMessage, Manifest } from 'hypercore/lib/messages.js'

  namespace Hypercore {
    interface Peer {
      remotePublicKey: Buffer
      remoteLength: number
      remoteContiguousLength: number
      /** A sync message (with the peer's length) has arrived. */
      remoteSynced: boolean
      /** The replication stream the peer is on. */
      stream: unknown
    }
  }

  class Hypercore extends EventEmitter {
    constructor(storage: unknown, key?: Buffer | null, opts?: Record<string, unknown>)
    /** The key a manifest hashes to. */
    static key(manifest: unknown): Buffer
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly length: number
    /** Bumped by every truncation. */
    readonly fork: number
    readonly contiguousLength: number
    readonly signedLength: number
    readonly byteLength: number
    readonly writable: boolean
    readonly opened: boolean
    readonly closed: boolean
    readonly peers: Hypercore.Peer[]
    /** Present on writable sessions: the signer's key pair. */
    readonly keyPair: { publicKey: Buffer; secretKey: Buffer | null } | null
    /** Null until known (a replica learns it from its first proof). */
    readonly manifest: Manifest | null
    ready(): Promise<void>
    close(): Promise<void>
    get(index: number, opts?: { wait?: boolean; timeout?: number; valueEncoding?: unknown; raw?: boolean }): Promise<Buffer | null>
    has(index: number): Promise<boolean>
    /** Check a proof made by another core with this key, with nothing stored. */
    verifyFullyRemote(proof: unknown): Promise<unknown>
    /** A proof from this core's storage, shaped as a wire `data` message (without `request`). */
    proof(opts: {
      hash?: { index: number; nodes: number }
      block?: { index: number; nodes: number }
      upgrade?: { start: number; length: number }
    }): Promise<Omit<DataMessage, 'request' | 'manifest'>>
    append(blocks: Buffer | Buffer[]): Promise<{ length: number; byteLength: number }>
    /** Drop blocks from `length` on (a new fork). */
    truncate(length: number, fork?: number): Promise<void>
    /** A writable core ignores peers' longer signed length unless `force`. */
    update(opts?: { wait?: boolean; force?: boolean }): Promise<boolean>
    treeHash(length?: number): Promise<Buffer>
    download(range?: { start?: number; end?: number }): { done(): Promise<void>; destroy(): void }
    replicate(isInitiator: boolean | unknown, opts?: Record<string, unknown>): NodeJS.ReadWriteStream
    session(opts?: Record<string, unknown>): Hypercore
    snapshot(): Hypercore
    getUserData(key: string): Promise<Buffer | null>
    setUserData(key: string, value: Buffer | null): Promise<void>
    /** A peer proved that the signer signed another tree at `length`: the core is frozen and closed. */
    on(event: 'conflict', listener: (length: number, fork: number, proof: DataMessage) => void): this
    on(event: 'append', listener: () => void): this
    on(event: 'truncate', listener: (ancestors: number, forkId: number) => void): this
    on(event: string, listener: (...args: unknown[]) => void): this
  }
  export = Hypercore
}

declare module 'hypercore-storage' {
  class HypercoreStorage {
    constructor(dir: string, opts?: { writeBufferSize?: number; treeCache?: { maxSize: number }; [k: string]: unknown })
    readonly rocks: { currentWalFile(): Promise<{ path: string; number: number; size: number }> }
    /** Whether a core with this discovery key is stored here. */
    hasCore(discoveryKey: Buffer): Promise<boolean>
  }
  export = HypercoreStorage
}

declare module 'corestore' {
  import { EventEmitter } from 'node:events'
  import Hypercore from 'hypercore'

  class Corestore extends EventEmitter {
    constructor(storage: string | import('hypercore-storage'), opts?: { globalCache?: unknown; [k: string]: unknown })
    readonly globalCache: unknown
    readonly storage: import('hypercore-storage')
    get(opts: { name?: string; key?: Buffer; valueEncoding?: unknown; active?: boolean } | Buffer): Hypercore
    namespace(name: string): Corestore
    createKeyPair(name: string): Promise<{ publicKey: Buffer; secretKey: Buffer }>
    replicate(isInitiatorOrStream: boolean | unknown, opts?: Record<string, unknown>): NodeJS.ReadWriteStream
    /** Hold RocksDB still: reads and writes wait, background work pauses, the locks are let go. */
    suspend(): Promise<void>
    resume(): Promise<void>
    ready(): Promise<void>
    close(): Promise<void>
  }
  export = Corestore
}

declare module 'hyperbee' {
  import Hypercore from 'hypercore'

  namespace Hyperbee {
    interface Node {
      seq: number
      key: Buffer
      value: Buffer
    }
    interface HistoryNode extends Node {
      type: 'put' | 'del'
    }
    interface Range {
      gt?: Buffer
      gte?: Buffer
      lt?: Buffer
      lte?: Buffer
      limit?: number
      reverse?: boolean
    }
    /** Reads one node per `next()` (none ahead, given a `limit`); `open()` first. */
    interface RangeIterator {
      readonly opened: boolean
      open(): Promise<void>
      next(): Promise<Node | null>
      close(): Promise<void>
    }
    interface Batch {
      get(key: Buffer): Promise<Node | null>
      createReadStream(range?: Range): AsyncIterable<Node>
      put(key: Buffer, value?: Buffer): Promise<void>
      del(key: Buffer): Promise<void>
      flush(): Promise<void>
      close(): Promise<void>
    }
  }

  class Hyperbee {
    constructor(core: Hypercore, opts?: { keyEncoding?: string; valueEncoding?: string; extension?: boolean; checkout?: number; sessions?: boolean; _view?: boolean })
    readonly core: Hypercore
    readonly version: number
    ready(): Promise<void>
    close(): Promise<void>
    get(key: Buffer): Promise<Hyperbee.Node | null>
    put(key: Buffer, value?: Buffer): Promise<void>
    batch(opts?: { update?: boolean; checkout?: number }): Hyperbee.Batch
    snapshot(): Hyperbee
    checkout(version: number): Hyperbee
    /** `wait: false`: a block not stored here fails the read (BLOCK_NOT_AVAILABLE) instead of waiting for a peer. */
    createReadStream(range?: Hyperbee.Range, opts?: { wait?: boolean }): AsyncIterable<Hyperbee.Node>
    createRangeIterator(range?: Hyperbee.Range): Hyperbee.RangeIterator
    createHistoryStream(opts?: { gte?: number; lt?: number; live?: boolean }): AsyncIterable<Hyperbee.HistoryNode>
  }
  export = Hyperbee
}

declare module 'autobase' {
  import { EventEmitter } from 'node:events'
  import Corestore from 'corestore'
  import Hypercore from 'hypercore'

  namespace Autobase {
    interface Node {
      value: Buffer | null
      from: { key: Buffer }
      length: number
      indexed: boolean
    }
    interface Host {
      addWriter(key: Buffer, opts?: { indexer?: boolean }): Promise<void>
      removeWriter(key: Buffer): Promise<void>
      removeable(key: Buffer): boolean
      interrupt(reason?: unknown): void
    }
    interface ViewStore {
      get(opts: { name: string; valueEncoding?: unknown } | string): Hypercore
    }
    interface Handlers<V> {
      open(store: ViewStore, host: unknown): V
      apply(nodes: Node[], view: V, host: Host): Promise<void>
      close?(view: V): Promise<void>
      valueEncoding?: string
      ackInterval?: number
      encryptionKey?: Buffer | null
      encrypt?: boolean
      fastForward?: boolean
    }
  }

  class Autobase<V = unknown> extends EventEmitter {
    constructor(store: Corestore, bootstrap: Buffer | null, handlers: Autobase.Handlers<V>)
    static getLocalKey(store: Corestore): Promise<Buffer>
    static isAutobase(core: Hypercore): Promise<boolean>
    /** Decode (and decrypt, given the key) one raw block of a writer's log into the value appended. */
    static decodeValue(value: Buffer, opts: { autobase: Buffer; encryptionKey: Buffer | null; key: Buffer; manifest: unknown; index: number }): Promise<Buffer>
    readonly key: Buffer
    readonly discoveryKey: Buffer
    readonly local: Hypercore
    readonly view: V
    readonly core: Hypercore
    readonly store: Corestore
    readonly writable: boolean
    readonly isIndexer: boolean
    readonly length: number
    readonly signedLength: number
    readonly opened: boolean
    /** Set once closing starts (autobase closes itself after a fatal error). */
    readonly closing: Promise<void> | null
    readonly closed: boolean
    readonly interrupted: unknown
    readonly encryptionKey: Buffer | null
    ready(): Promise<void>
    close(): Promise<void>
    append(value: Buffer | Buffer[] | null): Promise<number>
    update(): Promise<void>
    ack(bg?: boolean): Promise<void>
    hash(): Promise<Buffer>
    heads(): Array<{ key: Buffer; length: number }>
    /** Tell the base which writers have data, as the wakeup protocol would. */
    hintWakeup(hints: Array<{ key: Buffer; length: number }>): void
    replicate(isInitiatorOrStream: boolean | unknown, opts?: Record<string, unknown>): NodeJS.ReadWriteStream
    waitForWritable(): Promise<void>
  }
  export = Autobase
}

declare module 'hyperdht' {
  class DHT {
    constructor(opts?: { bootstrap?: string[] | Array<{ host: string; port: number }>; host?: string; port?: number; ephemeral?: boolean })
    /** False once the node passed its reachability check and serves the DHT. */
    readonly ephemeral: boolean
    /** The UDP port the node serves on (host: the machine's first address). */
    localAddress(): { host: string; port: number } | null
    /** A DHT ping; rejects when the node does not answer. */
    ping(node: { host: string; port: number }, opts?: Record<string, unknown>): Promise<unknown>
    /** Whether the node has reached its bootstrap nodes and filled its routing table. */
    readonly bootstrapped: boolean
    readonly destroyed: boolean
    ready(): Promise<void>
    /** `force`: close the sockets at once, without closing its servers (and unannouncing) first. */
    destroy(opts?: { force?: boolean }): Promise<void>
    /** A server that accepts Noise connections to its key pair once listening. */
    createServer(): DHT.Server
    /** A new Noise key pair. */
    static keyPair(): { publicKey: Buffer; secretKey: Buffer }
    static bootstrapper(port: number, host: string, opts?: Record<string, unknown>): DHT
    /** The public DHT's bootstrap nodes, `ip@name:port`. */
    static BOOTSTRAP: string[]
  }
  namespace DHT {
    interface Server {
      on(event: 'connection', listener: (socket: import('node:stream').Duplex) => void): this
      listen(keyPair: { publicKey: Buffer; secretKey: Buffer }): Promise<void>
      close(): Promise<void>
    }
  }
  export = DHT
}

declare module 'hyperdht/testnet.js' {
  import DHT from 'hyperdht'
  interface Testnet {
    nodes: DHT[]
    bootstrap: Array<{ host: string; port: number }>
    destroy(): Promise<void>
  }
  function createTestnet(size?: number, opts?: unknown): Promise<Testnet>
  export = createTestnet
}

declare module 'hyperswarm' {
  import { EventEmitter } from 'node:events'
  import { Duplex } from 'node:stream'
  import DHT from 'hyperdht'

  namespace Hyperswarm {
    interface Connection extends Duplex {
      remotePublicKey: Buffer
      publicKey: Buffer
      rawStream?: { remoteHost?: string; remotePort?: number }
    }
    interface PeerInfo {
      publicKey: Buffer
      client: boolean
    }
    interface Discovery {
      flushed(): Promise<void>
      refresh(): Promise<void>
      destroy(): Promise<void>
    }
  }

  class Hyperswarm extends EventEmitter {
    constructor(opts?: { dht?: DHT; keyPair?: unknown; bootstrap?: unknown; firewall?: (remotePublicKey: Buffer) => boolean })
    readonly keyPair: { publicKey: Buffer }
    readonly connections: Set<Hyperswarm.Connection>
    readonly destroyed: boolean
    join(topic: Buffer, opts?: { server?: boolean; client?: boolean }): Hyperswarm.Discovery
    leave(topic: Buffer): Promise<void>
    joinPeer(publicKey: Buffer): void
    flush(): Promise<void>
    destroy(): Promise<void>
    on(event: 'connection', listener: (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo) => void): this
    on(event: string, listener: (...args: unknown[]) => void): this
    off(event: 'connection', listener: (conn: Hyperswarm.Connection, info: Hyperswarm.PeerInfo) => void): this
    off(event: string, listener: (...args: unknown[]) => void): this
  }
  export = Hyperswarm
}

declare module 'hypercore-id-encoding' {
  export function encode(key: Buffer): string
  export function decode(id: string | Buffer): Buffer
  export function normalize(id: string | Buffer): string
  export function isValid(id: unknown): boolean
}

declare module 'rache' {
  class Rache {
    constructor(opts?: { maxSize?: number })
  }
  export = Rache
}

declare module 'safety-catch' {
  function safetyCatch(err: unknown): void
  export = safetyCatch
}

declare module 'blind-pairing' {
  import Hyperswarm from 'hyperswarm'

  namespace BlindPairing {
    interface MemberRequest {
      inviteId: Buffer
      userData: Buffer | null
      open(publicKey: Buffer): Buffer
      confirm(opts: { key: Buffer; encryptionKey?: Buffer | null }): void
      deny(opts?: { status?: number }): void
    }
    interface Paired {
      key: Buffer
      encryptionKey: Buffer | null
    }
    interface Member {
      flushed(): Promise<void>
      close(): Promise<void>
    }
    interface Candidate {
      pairing: Promise<Paired | null>
      paired: Paired | null
      close(): Promise<void>
      request: import('node:events').EventEmitter
    }
  }

  class BlindPairing {
    constructor(swarm: Hyperswarm, opts?: { poll?: number })
    static createInvite(key: Buffer, opts?: { expires?: number }): { id: Buffer; invite: Buffer; publicKey: Buffer; discoveryKey: Buffer; expires: number }
    static decodeInvite(invite: Buffer): { seed: Buffer; discoveryKey: Buffer | null; expires: number }
    addMember(opts: { discoveryKey: Buffer; onadd: (candidate: BlindPairing.MemberRequest) => Promise<void> }): BlindPairing.Member
    addCandidate(opts: { invite: Buffer; userData: Buffer; onadd: (result: BlindPairing.Paired) => Promise<void> }): BlindPairing.Candidate
    close(): Promise<void>
  }
  export = BlindPairing
}

declare module 'z32' {
  export function encode(buf: Uint8Array): string
  export function decode(text: string): Buffer
}

declare module 'protomux' {
  namespace Protomux {
    interface Message {
      send(message: Uint8Array): boolean
    }
    interface Channel {
      addMessage(opts: { encoding?: unknown; onmessage?: (message: Buffer) => void }): Message
      open(handshake?: unknown): void
      close(): void
    }
  }

  class Protomux {
    /** The muxer a replication stream already carries (`noiseStream.userData`), or a new one. */
    static from(stream: unknown): Protomux
    createChannel(opts: { protocol: string; id?: Buffer | null; onopen?: () => void; onclose?: () => void }): Protomux.Channel | null
  }
  export = Protomux
}

declare module 'rocksdb-native' {
  namespace RocksDB {
    interface Entry {
      key: Buffer
      value: Buffer
    }
    interface Range {
      gt?: Buffer
      gte?: Buffer
      lt?: Buffer
      lte?: Buffer
      reverse?: boolean
      limit?: number
      /** Entries read from RocksDB per step. */
      capacity?: number
    }
    interface Iterator extends AsyncIterable<Entry> {
      destroy(): void
    }
    interface WriteBatch {
      tryPut(key: Buffer, value: Buffer): void
      tryDelete(key: Buffer): void
      tryDeleteRange(start: Buffer, end: Buffer): void
      flush(): Promise<void>
      destroy(): void
    }
  }

  class RocksDB {
    constructor(path: string, opts?: Record<string, unknown>)
    ready(): Promise<void>
    close(): Promise<void>
    get(key: Buffer): Promise<Buffer | null>
    iterator(range?: RocksDB.Range): RocksDB.Iterator
    write(opts?: Record<string, unknown>): RocksDB.WriteBatch
    /** A session reading one point in time until closed. */
    snapshot(): RocksDB
  }
  export = RocksDB
}
