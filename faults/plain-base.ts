/**
 * A plain Autobase + Hyperbee with no meshledger code, for fault scripts and the torn-flush test:
 * one Corestore per folder, every node's value put into the bee as its own key and value. A
 * healthy view then holds exactly one Hyperbee block per key (plus the header block), so a node
 * applied twice shows as an extra block.
 */
import Autobase from 'autobase'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import { pipeReplicas } from '../src/audit/pipe.js'

/** How long a fresh replica gets to match and confirm the view before the check fails. */
export const REPLICA_TIMEOUT_MS = 10_000

/** An open plain base and its store. */
export interface PlainBase {
  store: Corestore
  base: Autobase<Hyperbee>
  /** Close the base, then the store. */
  close (): Promise<void>
}

/**
 * Open (or create, with `key` null) a plain base on `storage` (a folder). `fastForward` is
 * Autobase's option: off, a replica applies the whole history itself (meshledger's default)
 * instead of copying the indexers' signed view, so a view that holds a node twice cannot match.
 */
export async function openPlain (storage: string, key: Buffer | null = null, fastForward = true): Promise<PlainBase> {
  const store = new Corestore(storage)
  const base = new Autobase<Hyperbee>(store, key, {
    valueEncoding: 'binary',
    encrypt: false,
    fastForward,
    ackInterval: 60_000, // no background acks: only the appends write
    open: (views) => new Hyperbee(views.get('view'), { keyEncoding: 'binary', valueEncoding: 'binary', extension: false }),
    apply: async (nodes, view) => {
      for (const node of nodes) {
        if (node.value !== null) await view.put(node.value, node.value)
      }
    }
  })
  await base.ready()
  return {
    store,
    base,
    close: async () => {
      await base.close().catch(() => {})
      await store.close().catch(() => {})
    }
  }
}

/** What a reopened base holds. */
export interface ViewState {
  /** Hyperbee blocks in the view, header included. */
  viewLength: number
  /** Distinct keys in the bee. */
  keys: number
  /** The keys themselves, as strings. */
  keySet: Set<string>
}

/** Read the view of an open base after bringing it up to date. */
export async function readView (base: Autobase<Hyperbee>): Promise<ViewState> {
  await base.update()
  const bee = base.view
  const keySet = new Set<string>()
  for await (const node of bee.createReadStream()) keySet.add(node.key.toString())
  return { viewLength: bee.core.length, keys: keySet.size, keySet }
}

/**
 * Does a fresh replica of `primary` (in-memory pipe, fresh folder `storage`) reach the
 * primary's view length and tree hash, with the whole view signed? Appends `probe` on the
 * primary first, so a healthy indexer has something new to sign.
 */
export async function replicaMatches (primary: PlainBase, storage: string, probe: Buffer): Promise<boolean> {
  await primary.base.append(probe)
  await primary.base.update()
  const replica = await openPlain(storage, primary.base.key, false)
  const unpipe = pipeReplicas(primary.base, replica.base)
  const want = primary.base.view.core
  const deadline = Date.now() + REPLICA_TIMEOUT_MS
  try {
    while (Date.now() < deadline) {
      await replica.base.update()
      const got = replica.base.view.core
      if (got.length === want.length && got.signedLength === want.length) {
        return (await got.treeHash(want.length)).equals(await want.treeHash(want.length))
      }
      // Replication progress arrives as events we do not own here: re-check shortly.
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    return false
  } finally {
    unpipe()
    await replica.close()
  }
}
