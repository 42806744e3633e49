/**
 * Receipts: how big one is and how fast it is checked offline, against a bare hypercore proof of a
 * block of the same size (the block itself, its Merkle path and the signed roots) checked by
 * hypercore's own `verifyFullyRemote`: the raw baseline.
 */
import Corestore from 'corestore'
import c from 'compact-encoding'
import messages from 'hypercore/lib/messages.js'
import { Ledger, verifyReceipt } from '../src/index.js'
import { encodeBuffer } from '../src/proofs/signed-tree.js'
import { IN_FLIGHT } from './ingest.js'
import { concurrently, entryBuffer, entryInput, now, removeDir, tempDir, type Scenario, type SideResult } from './util.js'

/** Checks run before timing, on both sides: a verifier is a long-lived process, timed warm. */
const WARM_UP = 200

/** Receipt size and verifications per second. */
export const receipts: Scenario = {
  name: 'receipts',
  figures: [
    { label: 'receipt of a confirmed 256 B entry, median (raw: hypercore proof of the block)', metric: 'bytes', unit: 'bytes' },
    { label: 'receipts verified offline (raw: hypercore verifyFullyRemote)', metric: 'verified', unit: 'receipts/s' }
  ],
  async run (side, quick) {
    const n = quick ? 200 : 2000
    return side === 'ours' ? await runOurs(n) : await runRaw(n)
  }
}

async function runOurs (n: number): Promise<SideResult> {
  const dir = await tempDir('receipts')
  const ledger = new Ledger({ storage: dir, swarm: false })
  try {
    await ledger.ready()
    const ids: string[] = []
    // Half in group commits (many entries per block), half one per block.
    await concurrently(n / 2, IN_FLIGHT, async () => { ids.push((await ledger.append(entryInput)).id) })
    for (let i = 0; i < n / 2; i++) ids.push((await ledger.append(entryInput)).id)
    let start = now()
    const texts: string[] = []
    for (const id of ids) texts.push(JSON.stringify(await ledger.proof(id)))
    const made = n / ((now() - start) / 1000)
    for (const text of texts.slice(0, WARM_UP)) await verifyReceipt(text)
    start = now()
    for (const text of texts) await verifyReceipt(text)
    const verified = n / ((now() - start) / 1000)
    const sizes = texts.map((t) => Buffer.byteLength(t)).sort((a, b) => a - b)
    return {
      metrics: { bytes: sizes[Math.floor(sizes.length / 2)], verified },
      notes: [`receipts: ${n} made at ${made.toFixed(0)}/s; size min ${sizes[0]} / median ${sizes[Math.floor(sizes.length / 2)]} / max ${sizes[sizes.length - 1]} bytes (one indexer; the receipts test measures about 1.9 KB with two)`]
    }
  } finally {
    await ledger.close()
    await removeDir(dir)
  }
}

async function runRaw (n: number): Promise<SideResult> {
  const dir = await tempDir('receipts-raw')
  const store = new Corestore(dir)
  try {
    const core = store.get({ name: 'log' })
    await core.ready()
    for (let i = 0; i < n; i++) await core.append(entryBuffer)
    const checker = store.namespace('checker').get({ key: core.key, active: false })
    await checker.ready()
    const proofs: Buffer[] = []
    for (let i = 0; i < n; i++) {
      const proof = await core.proof({ block: { index: i, nodes: 0 }, upgrade: { start: 0, length: core.length } })
      proofs.push(encodeBuffer(messages.wire.data, { ...proof, request: 0, manifest: core.manifest }))
    }
    for (const p of proofs.slice(0, WARM_UP)) await checker.verifyFullyRemote(c.decode(messages.wire.data, p))
    const start = now()
    for (const p of proofs) await checker.verifyFullyRemote(c.decode(messages.wire.data, p))
    const verified = n / ((now() - start) / 1000)
    const sizes = proofs.map((p) => p.byteLength).sort((a, b) => a - b)
    return { metrics: { bytes: sizes[Math.floor(sizes.length / 2)], verified }, notes: [] }
  } finally {
    await store.close()
    await removeDir(dir)
  }
}
