/**
 * When a core grows, hypercore asks of every peer whether it can upgrade it, reading the tree roots
 * at the peer's length from storage. Peers that last synced at the same length (a gateway's 64
 * vehicles, which all saw the ledger's cores at their admission) made the same read once each:
 * 18k of a 64-writer merge's 217k RocksDB gets went to it, 64 per ack per core. Patched in
 * patches/hypercore+11.37.1.patch: one check per (fork, length, remote length), shared by the peers.
 */
import { createRequire } from 'node:module'
import test from 'brittle'
import Hypercore from 'hypercore'
import { tmp } from './helpers/index.js'

const READERS = 8

/** The one static this test counts (hypercore 11.37.1 `lib/merkle-tree.js`). */
interface TreeModule {
  MerkleTree: { upgradeable: (...args: unknown[]) => Promise<boolean> }
}
const { MerkleTree } = createRequire(import.meta.url)('hypercore/lib/merkle-tree.js') as TreeModule

/** Resolves once `fn()` holds, re-checked on each turn of the event loop. */
async function settled (fn: () => boolean): Promise<void> {
  while (!fn()) await new Promise((resolve) => setImmediate(resolve))
}

test('a core grown past peers that synced at one length checks the upgrade once, not once per peer', { timeout: 60_000 }, async (t) => {
  const writer = new Hypercore(await tmp(t))
  t.teardown(() => writer.close())
  await writer.append(Buffer.from('first'))
  const readers: Hypercore[] = []
  for (let i = 0; i < READERS; i++) {
    const reader = new Hypercore(await tmp(t), writer.key)
    t.teardown(() => reader.close())
    const a = writer.replicate(true)
    const b = reader.replicate(false)
    a.pipe(b).pipe(a)
    readers.push(reader)
  }
  await Promise.all(readers.map((r) => r.get(0)))
  // Every peer has told the writer it holds length 1 (so each is asked about the next upgrade).
  await settled(() => writer.peers.length === READERS && writer.peers.every((p) => p.remoteSynced && p.remoteLength === 1))

  const upgradeable = MerkleTree.upgradeable
  let checks = 0
  MerkleTree.upgradeable = async (...args) => {
    checks++
    return await upgradeable.apply(MerkleTree, args)
  }
  t.teardown(() => { MerkleTree.upgradeable = upgradeable })
  await writer.append(Buffer.from('second'))
  await Promise.all(readers.map((r) => r.get(1)))

  t.comment(`${checks} upgrade checks for ${READERS} peers at one length`)
  // Stock hypercore: one per peer (8).
  t.ok(checks >= 1 && checks <= 2, `${checks} checks`)
  t.is(readers.filter((r) => r.length === 2).length, READERS, 'every reader upgraded')
})
