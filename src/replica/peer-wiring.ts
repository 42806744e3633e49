/**
 * How a replica meets peers: the network (swarm, LAN, known peers) on the ledger's discovery key,
 * turning away removed members' devices, and, on a swarm, pairing that admits invited devices
 * through the ledger's own invite records and appends.
 */
import type Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hyperbee from 'hyperbee'
import { inviteProblem, inviteRecord } from '../apply/invites.js'
import { memberRecord } from '../apply/membership.js'
import { encodeKey } from '../keys.js'
import type { LedgerOptions } from '../ledger-types.js'
import { Network } from '../net/network.js'
import { PairingMember } from '../net/pairing.js'
import type { PeerInfo } from '../net/peers.js'
import type { ReplicationStream } from '../net/view-check.js'
import type { Entry } from '../protocol/entry.js'
import type { EntryInput } from '../protocol/ops.js'

/** What the network needs of its replica. */
export interface NetworkHooks {
  /** Whether a swarm key is to be turned away (a removed member's). */
  denied (key: Buffer): boolean
  /** Each replication stream as it starts (the view check rides on it). */
  stream (stream: ReplicationStream): void
  /** Forward a peer event to the ledger's listeners. */
  peer (event: 'peer-refused' | 'peer-add' | 'peer-remove', peer: PeerInfo): void
}

/** The network of `base` on `store`, listened to; not open yet. */
export function createNetwork (store: Corestore, base: Autobase<Hyperbee>, options: LedgerOptions, hooks: NetworkHooks): Network {
  const network = new Network(store, base.discoveryKey, {
    ...options,
    swarm: options.swarm === false ? undefined : options.swarm,
    deny: (key) => hooks.denied(key)
  })
  network.on('peer-refused', (p: PeerInfo) => hooks.peer('peer-refused', p))
  network.on('peer-add', (p: PeerInfo) => hooks.peer('peer-add', p))
  network.on('peer-remove', (p: PeerInfo) => hooks.peer('peer-remove', p))
  network.on('stream', (stream: ReplicationStream) => hooks.stream(stream))
  return network
}

/** Pairing for `base` on the open network's swarm, or null without one. */
export function createPairing (network: Network, base: Autobase<Hyperbee>, append: (input: EntryInput) => Promise<Entry>, warn: (err: unknown) => void): PairingMember | null {
  const swarm = network.current
  if (swarm === null) return null
  return new PairingMember(swarm, {
    invite: async (id) => {
      const record = await inviteRecord(base.view, id)
      if (record === null) return null
      return {
        publicKey: record.publicKey,
        problem: (now) => inviteProblem(record, now),
        admitted: async (deviceKey) => {
          // Asked only while the invite is otherwise valid (inviteProblem puts revoked and expired
          // before used): anyone holding the code can name the admitted device's public key, so
          // past its lifetime a used code must be worth nothing (test/invite-retry.test.ts).
          if (!(record.admitted ?? []).includes(encodeKey(deviceKey))) return false
          if (record.role === 'reader') return true // readers hold no member record
          const member = await memberRecord(base.view, deviceKey)
          return member !== null && member.removedAt === undefined
        }
      }
    },
    key: base.key,
    discoveryKey: base.discoveryKey,
    encryptionKey: base.encryptionKey,
    isIndexer: () => base.isIndexer,
    append,
    warn
  })
}
