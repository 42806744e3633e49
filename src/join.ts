/**
 * Joining a ledger with an invite, candidate side: pair with any online indexer over
 * blind-pairing, receive the ledger key and encryption key, and open the ledger with them.
 */
import Autobase from 'autobase'
import BlindPairing from 'blind-pairing'
import DHT from 'hyperdht'
import Hyperswarm from 'hyperswarm'
import z32 from 'z32'
import { MeshledgerError } from './errors.js'
import { Ledger } from './ledger.js'
import type { LedgerOptions } from './ledger-types.js'
import { openStore } from './replica/storage.js'

/** How long a join waits for an indexer to answer, by default (ms). */
export const DEFAULT_JOIN_TIMEOUT = 30_000

/** Options of {@link join}: a ledger's options (no key: the invite brings it), and a timeout. */
export type JoinOptions = Omit<LedgerOptions, 'key' | 'encryptionKey'> & { timeout?: number }

const CODES: Record<string, string> = {
  PAIRING_REJECTED: 'the invite was revoked',
  INVITE_USED: 'the invite was already used',
  INVITE_EXPIRED: 'the invite expired'
}

/**
 * The invite inside a code, or `INVALID_INVITE`. Blind-pairing decodes invites without a
 * discovery key (flags bit 0 clear) and then fails with a `TypeError` when it pairs: a meshledger
 * invite always carries one, so anything else is refused here.
 */
function decodeInvite (code: unknown): Buffer {
  const invalid = MeshledgerError.invalidInvite('that is not an invite code')
  if (typeof code !== 'string') throw invalid
  let invite: Buffer
  let decoded: { seed: unknown, discoveryKey: unknown }
  try {
    invite = z32.decode(code.trim())
    decoded = BlindPairing.decodeInvite(invite)
  } catch {
    throw invalid
  }
  if (!is32Bytes(decoded.seed) || !is32Bytes(decoded.discoveryKey)) throw MeshledgerError.invalidInvite('that invite code names no ledger')
  return invite
}

function is32Bytes (value: unknown): boolean {
  return value instanceof Uint8Array && value.byteLength === 32
}

/**
 * Join the ledger an invite code (z32, from `ledger.invite()`) points at. Resolves with the open
 * ledger once an indexer admitted this device. Rejects with `INVALID_INVITE` (not an invite),
 * `INVITE_REJECTED` (used, expired or revoked: the message says which) or `INVITE_TIMEOUT` (no
 * indexer answered: none online, or an invite the ledger never recorded, which no one can answer
 * because replies are sealed with the invite's key). Nothing changes on the ledger when it fails.
 */
export async function join (code: string, options: JoinOptions): Promise<Ledger> {
  const invite = decodeInvite(code)
  const { store } = await openStore(options.storage, 64)
  let userData: Buffer
  try {
    // The device key, and the swarm key its ledger will connect with (so it can be refused later).
    const swarmKey = (await store.createKeyPair('hyperswarm')).publicKey
    userData = Buffer.concat([await Autobase.getLocalKey(store), swarmKey])
  } finally {
    await store.close()
  }

  const own = options.swarm === undefined || options.swarm === false
  const swarm = own ? new Hyperswarm({ dht: new DHT({ bootstrap: options.bootstrap as Array<{ host: string, port: number }> | undefined, host: options.dhtHost }) }) : options.swarm as Hyperswarm
  const pairing = new BlindPairing(swarm, { poll: 1000 })
  let timer: NodeJS.Timeout | undefined
  try {
    const candidate = pairing.addCandidate({ invite, userData, onadd: async () => {} })
    const rejected = new Promise<never>((_resolve, reject) => {
      candidate.request.once('rejected', (err: { code?: string }) => {
        reject(MeshledgerError.inviteRejected(CODES[err.code ?? ''] ?? 'the invite was refused'))
      })
    })
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(MeshledgerError.inviteTimeout('no indexer of the ledger answered; is one online?')), options.timeout ?? DEFAULT_JOIN_TIMEOUT)
    })
    const paired = await Promise.race([candidate.pairing, rejected, timeout])
    if (paired === null) throw MeshledgerError.inviteRejected('pairing ended without an answer')
    const ledger = new Ledger({ ...options, key: paired.key, encryptionKey: paired.encryptionKey })
    await ledger.ready()
    return ledger
  } finally {
    clearTimeout(timer)
    await pairing.close()
    if (own) await swarm.destroy()
  }
}
