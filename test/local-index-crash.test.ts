/**
 * The local index after kill -9: a child appending to a protocol-7 ledger dies (SIGKILL) while
 * its local index derives a view update, three times on one folder. Reopened, the index must
 * equal one derived afresh from the view, and queries must return every entry the view holds.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import { decodeBlockRecord } from '../src/protocol/entry.js'
import { create, tmp } from './helpers/index.js'
import { freshIndexContents, indexContents, localIndexOf, viewOf } from './helpers/internals.js'

const CHILD = fileURLToPath(new URL('./local-index-child.js', import.meta.url))

function runChild (dir: string, updates: number): Promise<NodeJS.Signals | null> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir, String(updates)], { stdio: ['ignore', 'inherit', 'inherit'] })
    child.on('error', reject)
    child.on('exit', (_code, signal) => resolve(signal))
  })
}

test('local index: killed while deriving, reopened, it equals a fresh derivation', async (t) => {
  const dir = await tmp(t)
  for (const updates of [5, 23, 61]) {
    t.is(await runChild(dir, updates), 'SIGKILL', `killed after ${updates} updates`)
    const ledger = await create(t, { storage: dir })
    const length = viewOf(ledger).core.length
    const mine = await indexContents(localIndexOf(ledger), length)
    t.alike(mine, await freshIndexContents(ledger, await tmp(t), (err) => t.fail(String(err))), `after kill: ${mine.length} segments, equal to a fresh derivation`)
    let recorded = 0
    for await (const node of viewOf(ledger).createReadStream({ gte: Buffer.from([0x01]), lt: Buffer.from([0x02]) })) {
      recorded += (decodeBlockRecord(node.value).o ?? []).filter((op) => op.t === 'a' && op.x === undefined).length
    }
    let answered = 0
    for await (const e of ledger.query({ type: 'a' })) answered += e.type === 'a' ? 1 : 0
    t.ok(answered > 0 && answered === recorded, `${answered} entries of type a answered, ${recorded} in the view's records`)
    await ledger.close()
  }
})
