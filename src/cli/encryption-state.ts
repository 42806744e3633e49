/**
 * Whether a stopped ledger's folder can read its ledger: the encryption key Autobase stored with
 * the device's writer, or a ledger that is not encrypted at all, or neither (ciphertext it cannot
 * apply). For `meshledger doctor`; opens the store (its lock held) and closes it.
 */
import Autobase from 'autobase'
import { isMeshledgerError } from '../errors.js'
import { openStore, storedLedgerKey } from '../replica/storage.js'

/** `missing`: the ledger's first block is here and does not read without a key this folder lacks. */
export type EncryptionState = 'stored' | 'plain' | 'missing' | 'unknown' | 'locked'

/** The encryption state of the store in `folder`. */
export async function encryptionState (folder: string): Promise<EncryptionState> {
  let opened
  try {
    opened = await openStore(folder, 64)
  } catch (err) {
    if (isMeshledgerError(err, 'STORAGE_LOCKED')) return 'locked'
    throw err
  }
  const { store, wal } = opened
  try {
    const key = await storedLedgerKey(store)
    if (key === null) return 'unknown'
    const local = store.get({ name: 'local', active: false })
    await local.ready()
    const stored = await local.getUserData('autobase/encryption') ?? await local.getUserData('autobase/blind-encryption')
    await local.close()
    if (stored !== null) return 'stored'
    const boot = store.get({ key, active: false })
    await boot.ready()
    try {
      if (boot.length === 0 || !await boot.has(0)) return 'unknown'
      return await Autobase.isAutobase(boot) ? 'plain' : 'missing'
    } finally {
      await boot.close()
    }
  } finally {
    await wal.close()
    await store.close()
  }
}
