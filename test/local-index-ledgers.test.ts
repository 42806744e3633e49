/**
 * The local index on real ledgers (protocol 7, the default): writers appending while apart merge
 * (the views reorder: truncated and applied again), and every device's index then equals one
 * derived afresh from its view, its queries match a scan of the view's block records, and a
 * fresh device that fast-forwards answers the same.
 */
import test from 'brittle'
import type { Ledger } from '../src/index.js'
import { formatId } from '../src/protocol/entry-id.js'
import { decodeBlockRecord } from '../src/protocol/entry.js'
import { encodeKey } from '../src/keys.js'
import { addressOfBlockKey } from '../src/protocol/view-layout.js'
import type { QueryOptions } from '../src/view/query.js'
import { create, replicate, tmp, until, within } from './helpers/index.js'
import { freshIndexContents, indexContents, localIndexOf, nextFastForward, viewOf } from './helpers/internals.js'
import { rng, sync } from './helpers/random.js'

interface Scanned { id: string, ts: number, w: string, seq: number, offset: number, type: string, stream?: string }

/** Every accepted entry, from the view's block records alone, in query order. */
async function scan (ledger: Ledger): Promise<Scanned[]> {
  const out: Scanned[] = []
  for await (const node of viewOf(ledger).createReadStream({ gte: Buffer.from([0x01]), lt: Buffer.from([0x02]) })) {
    const { writer, seq } = addressOfBlockKey(node.key)
    const record = decodeBlockRecord(node.value)
    if (record.held !== undefined) continue
    record.o?.forEach((op, offset) => {
      if (op.x !== undefined) return
      const d = op.d as { stream?: string } | null
      out.push({ id: formatId(writer, seq, offset), ts: op.ts as number, w: encodeKey(writer), seq, offset, type: op.t as string, stream: op.t === 'telemetry.record' ? d?.stream : undefined })
    })
  }
  return out.sort((a, b) => a.ts - b.ts || (a.w < b.w ? -1 : a.w > b.w ? 1 : 0) || a.seq - b.seq || a.offset - b.offset)
}

function expected (all: Scanned[], q: QueryOptions): string[] {
  let list = all.filter((e) => (q.type === undefined || e.type === q.type) && (q.stream === undefined || e.stream === q.stream) &&
    (q.writer === undefined || e.w === q.writer) && e.ts >= (q.since ?? 0) && e.ts < (q.until ?? Number.MAX_SAFE_INTEGER))
  if (q.reverse === true) list = list.reverse()
  return list.slice(0, q.limit ?? list.length).map((e) => e.id)
}

async function answers (ledger: Ledger, q: QueryOptions): Promise<string[]> {
  const out: string[] = []
  for await (const e of ledger.query(q)) out.push(e.id)
  return out
}

async function sameAsRebuild (t: test.Test, ledger: Ledger, label: string): Promise<void> {
  const mine = await indexContents(localIndexOf(ledger), viewOf(ledger).core.length)
  t.ok(mine.length > 0, `${label}: ${mine.length} segments in the local index`)
  t.alike(mine, await freshIndexContents(ledger, await tmp(t), (err) => t.fail(String(err))), `${label}: the local index equals one derived afresh`)
}

test('local index: merged concurrent writers, every device equals a fresh derivation and a scan; a fast-forwarded device answers the same', async (t) => {
  const random = rng(13)
  const a = await create(t)
  const peers = [a]
  for (let i = 0; i < 2; i++) {
    const p = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
    await a.addMember(p.deviceKey)
    peers.push(p)
  }
  await sync(peers)
  await until(peers, () => peers.every((p) => p.writable))
  let dropped = 0
  for (let round = 0; round < 4; round++) {
    // Apart: each writes its own blocks on its own view; merged, some views reorder.
    await Promise.all(peers.map(async (p, i) => {
      for (let b = 0; b < 6; b++) {
        const ts = 1_700_000_000_000 + Math.floor(random() * 100_000)
        const type = ['a', 'b', 'telemetry.record'][Math.floor(random() * 3)]
        await p.append(type === 'telemetry.record' ? { type, data: { stream: `s${i}`, value: ts } } : { type, data: { ts } })
      }
    }))
    await sync(peers)
    dropped += peers.reduce((n, p) => n + localIndexOf(p).stats.dropped, 0)
  }
  t.ok(dropped > 0, `reorders dropped ${dropped} derived segments`)
  const all = await scan(a)
  const shapes: QueryOptions[] = [{}, { reverse: true }, { type: 'a' }, { type: 'b', reverse: true, limit: 5 }, { stream: 's1' },
    { writer: peers[1].deviceKey }, { writer: peers[2].deviceKey, reverse: true }, { since: all[10].ts, until: all[40].ts }, { limit: 7 }]
  for (const p of peers) {
    await sameAsRebuild(t, p, p === a ? 'creator' : 'member')
    for (const q of shapes) t.alike(await answers(p, q), expected(all, q), `query ${JSON.stringify(q)}`)
  }

  const fresh = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  const jumped = nextFastForward(fresh)
  t.teardown(replicate(a, fresh))
  const hash = await a.hash()
  await until([fresh], async () => fresh.length === a.length && await fresh.hash() === hash)
  // Autobase says 'fast-forward' at the end of the pass that jumped; the ledger's update for the
  // jumped view comes as soon as the view holds it, before that.
  t.ok(await within(10_000, jumped), 'the fresh device fast-forwarded')
  for (const q of shapes) t.alike(await answers(fresh, q), expected(all, q), `fast-forwarded device: query ${JSON.stringify(q)}`)
  await sameAsRebuild(t, fresh, 'fast-forwarded device')
})
