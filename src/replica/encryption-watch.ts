/**
 * A device that knows the ledger key but not the encryption key replicates ciphertext and
 * applies nothing, silently (Autobase raises no error). Notice it: once the ledger's first block
 * is here and does not read as an Autobase block, say so.
 */
import Autobase from 'autobase'
import type Corestore from 'corestore'
import type Hypercore from 'hypercore'
import safetyCatch from 'safety-catch'
import { MeshledgerError } from '../errors.js'

/**
 * Watch the ledger's first core; `missing` is called with `ENCRYPTION_KEY_REQUIRED` once it is
 * clear the key is needed (it may be called again; the caller keeps the first). Returns the
 * session on the boot core: close it with the replica.
 */
export function watchForEncryption (store: Corestore, base: Autobase, missing: (err: MeshledgerError) => void): Hypercore {
  const boot = store.get({ key: base.key })
  let told = false
  const check = async (): Promise<void> => {
    if (told || boot.length === 0 || !(await boot.has(0))) return
    if (await Autobase.isAutobase(boot)) {
      boot.off('append', listener)
      boot.off('download', listener)
      return
    }
    told = true
    missing(MeshledgerError.encryptionKeyRequired())
  }
  const listener = (): void => { check().catch(safetyCatch) }
  boot.on('append', listener)
  boot.on('download', listener)
  listener()
  return boot
}
