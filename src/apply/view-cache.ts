/**
 * What apply reads again and again (member records, the active protocol, the policy, rules,
 * balances), kept across apply calls, with the lookups apply derives from them (context.ts). Autobase applies a single-entry block per call, so a cache
 * that lives for one call saves nothing on the shape fleets write.
 *
 * The cache is only as good as the view it was filled from, so it is trusted only while the view
 * is exactly what the last successful call left: the same Hyperbee, the same fork of its core
 * (Autobase truncates the view to reorder; a truncation bumps the fork) and the same length. A
 * call that does not finish (an interrupt, a throw) leaves it untrusted, so the next call starts
 * empty. Writes go through the cache, so within a call it always agrees with the batch.
 */
import type Hyperbee from 'hyperbee'
import { applyCache, type ApplyCache } from './context.js'

/** Prefixes of the view keys whose point reads are cached (see protocol/state-layout.ts). */
const CACHED = new Set([
  0x05, // member records
  0x10, 0x11, 0x12, // balances, supply, shared accounts
  0x20, // asset records
  0x25, // event policies
  0x29, // a writer's recent block outcomes
  0x30, 0x31, // the active protocol, the ledger's policy
  0x40 // rules
])

/** Past this many cached records the cache starts again (records are small; this bounds memory). */
const MAX_RECORDS = 20_000

interface Stamp {
  view: Hyperbee
  fork: number
  length: number
}

/** Internal: one per apply function, i.e. per open base. */
export class ViewCache {
  private records = new Map<string, Buffer | null>()
  private derived: ApplyCache = applyCache()
  private stamp: Stamp | null = null

  /**
   * Start an apply call on `view`: the batch handlers see (reads of cached records answered from
   * memory, writes recorded) and the derived lookups (rules by type, protocol, policy).
   */
  begin (view: Hyperbee, batch: Hyperbee.Batch): { batch: Hyperbee.Batch, cache: ApplyCache } {
    const s = this.stamp
    if (s === null || s.view !== view || s.fork !== view.core.fork || s.length !== view.core.length || this.size() > MAX_RECORDS) {
      this.records = new Map()
      this.derived = applyCache()
    }
    this.stamp = null // trusted again only once this call has flushed
    return { batch: this.wrap(batch), cache: this.derived }
  }

  /** The call flushed its batch into `view`: what the cache holds is what the view holds. */
  commit (view: Hyperbee): void {
    this.stamp = { view, fork: view.core.fork, length: view.core.length }
  }

  private size (): number {
    return this.records.size + this.derived.balances.size + this.derived.accounts.size
  }

  private wrap (batch: Hyperbee.Batch): Hyperbee.Batch {
    const records = this.records
    return {
      async get (key) {
        if (!CACHED.has(key[0])) return batch.get(key)
        const id = key.toString('latin1')
        if (records.has(id)) {
          const value = records.get(id) as Buffer | null
          return value === null ? null : { seq: -1, key, value }
        }
        const node = await batch.get(key)
        records.set(id, node === null ? null : node.value)
        return node
      },
      async put (key, value) {
        if (CACHED.has(key[0])) records.set(key.toString('latin1'), value ?? Buffer.alloc(0))
        await batch.put(key, value)
      },
      async del (key) {
        if (CACHED.has(key[0])) records.set(key.toString('latin1'), null)
        await batch.del(key)
      },
      createReadStream: (range) => batch.createReadStream(range),
      flush: () => batch.flush(),
      close: () => batch.close()
    }
  }
}
