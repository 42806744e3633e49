/**
 * Pairing new devices with blind-pairing, member side. An indexer that is online listens for
 * candidates on the ledger's discovery key; a candidate's request is answered only for an invite
 * the ledger knows and that can still admit someone (expiry is enforced here: blind-pairing
 * encodes it but never checks it). The admission is an `invite.use` op, so apply decides it on
 * every peer; then the candidate gets the ledger key and the encryption key.
 */
import BlindPairing from 'blind-pairing'
import type Hyperswarm from 'hyperswarm'
import safetyCatch from 'safety-catch'
import type { Entry } from '../protocol/entry.js'
import type { EntryInput } from '../protocol/ops.js'

/** blind-pairing's denial statuses. */
const DENY = { rejected: 1, used: 2, expired: 3 } as const

/** What the member side needs from its ledger. */
export interface PairingHost {
  /**
   * The invite with this id (hex) as the ledger records it, or null: its public key, and why it
   * cannot admit anyone at `now` (null when it can). The ledger's view answers; pairing never reads it.
   */
  invite (id: string): Promise<PairingInvite | null>
  key: Buffer
  discoveryKey: Buffer
  encryptionKey: Buffer | null
  isIndexer (): boolean
  append (input: EntryInput): Promise<Entry>
  warn (err: unknown): void
}

/** An invite as pairing needs it. */
export interface PairingInvite {
  publicKey: string
  problem (now: number): { code: string } | null
  /** Whether this invite admitted `deviceKey` and the device is still on the ledger. */
  admitted (deviceKey: Buffer): Promise<boolean>
}

/** Internal: answers pairing requests for one ledger. */
export class PairingMember {
  private readonly pairing: BlindPairing
  private readonly host: PairingHost

  constructor (swarm: Hyperswarm, host: PairingHost) {
    this.host = host
    this.pairing = new BlindPairing(swarm, { poll: 5000 })
    this.pairing.addMember({ discoveryKey: host.discoveryKey, onadd: (c) => this.onadd(c).catch((err: unknown) => host.warn(err)) })
  }

  /** Stop answering. */
  async close (): Promise<void> {
    await this.pairing.close()
  }

  private async onadd (candidate: BlindPairing.MemberRequest): Promise<void> {
    if (!this.host.isIndexer()) return // only indexers admit; another member may answer
    const id = candidate.inviteId.toString('hex')
    const invite = await this.host.invite(id)
    // An invite the ledger never recorded cannot even be answered: the reply is sealed with the
    // invite's key. The candidate times out (INVITE_TIMEOUT).
    if (invite === null) return
    let userData: Buffer
    try {
      userData = candidate.open(Buffer.from(invite.publicKey, 'hex'))
    } catch {
      return // not made from this invite: forged
    }
    if (userData === null || (userData.length !== 32 && userData.length !== 64)) {
      candidate.deny({ status: DENY.rejected })
      return
    }
    const deviceKey = userData.subarray(0, 32)
    const problem = invite.problem(Date.now())
    if (problem?.code === 'INVITE_USED') return this.answerUsed(candidate, invite, deviceKey)
    if (problem !== null) {
      candidate.deny({ status: problem.code === 'INVITE_EXPIRED' ? DENY.expired : DENY.rejected })
      return
    }
    // userData: the device key, then (newer candidates) its swarm key.
    const data: Record<string, string> = { id, key: deviceKey.toString('hex') }
    if (userData.length === 64) data.swarmKey = userData.subarray(32).toString('hex')
    const entry = await this.host.append({ type: 'invite.use', data }).catch((err: unknown) => {
      safetyCatch(err)
      return null
    })
    if (entry?.status === 'rejected' && entry.rejection?.code === 'INVITE_USED') {
      // Used up between the read above and this append's apply: by this device, maybe.
      return this.answerUsed(candidate, await this.host.invite(id), deviceKey)
    }
    if (entry === null || entry.status === 'rejected') {
      candidate.deny({ status: DENY.rejected })
      return
    }
    this.confirm(candidate)
  }

  /**
   * An invite used up: the device it admitted, asking again, gets the ledger again (its answer
   * was lost: a connection that closed, a join that timed out, and blind-pairing sends the same
   * request again); any other device is told the invite was used.
   */
  private async answerUsed (candidate: BlindPairing.MemberRequest, invite: PairingInvite | null, deviceKey: Buffer): Promise<void> {
    if (invite !== null && await invite.admitted(deviceKey)) this.confirm(candidate)
    else candidate.deny({ status: DENY.used })
  }

  private confirm (candidate: BlindPairing.MemberRequest): void {
    candidate.confirm({ key: this.host.key, encryptionKey: this.host.encryptionKey })
  }
}
