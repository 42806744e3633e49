/**
 * A crash at an exact storage seam: SIGKILL this process the moment the first RocksDB write
 * batch holding some bytes has been applied, before any later write. It is what a kill -9 (or a
 * disk that fills up) between two batches does, without a timing lottery, and it touches no
 * Autobase code: it wraps RocksDB's write batch, the layer below every Holepunch module.
 */
import type Corestore from 'corestore'

/** The members of rocksdb-native's write batch this wraps. */
interface WriteBatch {
  tryPut (key: Buffer, value: Buffer): void
  put (key: Buffer, value: Buffer): Promise<void>
  flush (): Promise<void>
  destroy (): void
}

/** The members of the store's RocksDB column family used here. */
interface Db {
  write (opts?: { autoDestroy?: boolean }): WriteBatch
}

const carries = new WeakSet<WriteBatch>()

/**
 * Arm the seam on `store` (opened): every later write batch that puts a value containing
 * `marker` kills the process with SIGKILL as soon as RocksDB has applied it.
 */
export function killAfterWriteContaining (store: Corestore, marker: Buffer): void {
  const db = (store as unknown as { storage: { db: Db } }).storage.db
  const probe = db.write({ autoDestroy: true })
  const proto = Object.getPrototypeOf(probe) as WriteBatch
  probe.destroy()

  const { tryPut, put, flush } = proto
  proto.tryPut = function (this: WriteBatch, key, value) {
    if (value !== null && Buffer.isBuffer(value) && value.includes(marker)) carries.add(this)
    return tryPut.call(this, key, value)
  }
  proto.put = function (this: WriteBatch, key, value) {
    if (value !== null && Buffer.isBuffer(value) && value.includes(marker)) carries.add(this)
    return put.call(this, key, value)
  }
  proto.flush = async function (this: WriteBatch) {
    const marked = carries.has(this)
    await flush.call(this)
    if (marked) process.kill(process.pid, 'SIGKILL')
  }
}
