/**
 * Narrow ambient declarations for `multicast-dns` (no types ship with it): only what src/net/lan.ts uses.
 */
declare module 'multicast-dns' {
  import { EventEmitter } from 'node:events'

  namespace multicastDns {
    interface Options {
      port?: number
      ip?: string
      /** Address of the interface to join the group on and send from. */
      interface?: string
      bind?: string | false
      reuseAddr?: boolean
      loopback?: boolean
      multicast?: boolean
      ttl?: number
    }
    interface Answer {
      name: string
      type: string
      ttl?: number
      class?: string
      flush?: boolean
      data?: unknown
    }
    interface Packet {
      type: 'query' | 'response'
      questions?: Array<{ name: string, type: string }>
      answers?: Answer[]
      additionals?: Answer[]
    }
    interface RemoteInfo {
      address: string
      port: number
      family: string
    }
    interface Instance extends EventEmitter {
      query(questions: Array<{ name: string, type: string }>, cb?: (err: Error | null) => void): void
      respond(res: { answers: Answer[], additionals?: Answer[] }, cb?: (err: Error | null) => void): void
      destroy(cb?: () => void): void
      on(event: 'query' | 'response', listener: (packet: Packet, rinfo: RemoteInfo) => void): this
      on(event: 'ready' | 'networkInterface', listener: () => void): this
      on(event: 'error' | 'warning', listener: (err: Error) => void): this
      on(event: string, listener: (...args: unknown[]) => void): this
    }
  }
  function multicastDns(opts?: multicastDns.Options): multicastDns.Instance
  export = multicastDns
}
