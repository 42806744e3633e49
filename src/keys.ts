/**
 * Keys as people see them. Internally a key is 32 raw bytes; to people it is z32
 * (hypercore-id-encoding), and both z32 and hex are accepted wherever a key is read.
 */
import id from 'hypercore-id-encoding'
import { MeshledgerError } from './errors.js'

declare const deviceKeyBrand: unique symbol
declare const ledgerKeyBrand: unique symbol
declare const swarmKeyBrand: unique symbol

/** A device's identity, its Autobase local writer key, as z32 text. */
export type DeviceKey = string & { readonly [deviceKeyBrand]: true }

/** A ledger's key (its Autobase bootstrap key), as z32 text. */
export type LedgerKey = string & { readonly [ledgerKeyBrand]: true }

/**
 * A device's swarm key: the Noise public key it replicates under (Hyperswarm, LAN, direct), as
 * z32 text. Not its device key: peers are named by this one.
 */
export type SwarmKey = string & { readonly [swarmKeyBrand]: true }

/** Anything a key may be given as: z32 text, hex text or 32 raw bytes. */
export type KeyInput = string | Uint8Array

/** Decode a key given as z32, hex or bytes; throws `INVALID_KEY` otherwise. */
export function decodeKey (key: KeyInput, what = 'key'): Buffer {
  try {
    const buf = typeof key === 'string' ? key : Buffer.from(key.buffer, key.byteOffset, key.byteLength)
    return id.decode(buf)
  } catch {
    throw MeshledgerError.invalidKey(`${what} must be 32 bytes, as z32 (52 chars) or hex (64 chars)`)
  }
}

/** Encode raw key bytes as z32 text. */
export function encodeKey<K extends string = string> (key: Buffer): K {
  return id.encode(key) as K
}

/** Normalise any accepted key form to z32 text; throws `INVALID_KEY` otherwise. */
export function normalizeKey<K extends string = string> (key: KeyInput, what?: string): K {
  return encodeKey<K>(decodeKey(key, what))
}
