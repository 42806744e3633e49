import test from 'brittle'
import crypto from 'hypercore-crypto'
import { verifyReceipt, type Receipt } from '../src/index.js'
import { receiptBody } from '../src/proofs/receipt.js'
import { create, fails, replicate, until } from './helpers/index.js'
import { appendOps } from './helpers/internals.js'

/** An attacker's own signature over an altered receipt, so the deeper checks are what must catch it. */
const attacker = crypto.keyPair()
function resign (r: Receipt): Receipt {
  const signature = crypto.sign(receiptBody(r), attacker.secretKey).toString('base64')
  return { ...r, issuer: { key: attacker.publicKey.toString('hex'), signature } }
}

function flipByte (b64: string, i: number): string {
  const bytes = Buffer.from(b64, 'base64')
  bytes[i] ^= 0x01
  return bytes.toString('base64')
}

test('receipts: applied and confirmed entries verify offline, with two indexers and from any member', async (t) => {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  let unpipe = replicate(a, b)
  await a.addMember(b.deviceKey, { role: 'indexer' })
  await until([a, b], () => b.isIndexer)

  const first = await a.append({ type: 'inspection', data: { vin: 'WVW123', result: 'pass' } })
  await a.confirmed(first.id, { timeout: 20000 })
  const receipt = await a.proof(first.id)
  const text = JSON.stringify(receipt)
  t.ok(Buffer.byteLength(text) < 2048, `receipt is ${Buffer.byteLength(text)} bytes`)
  t.absent(text.includes(a.encryptionKey as string), 'the receipt does not hold the encryption key')
  const checked = await verifyReceipt(text)
  t.is(checked.writer, a.deviceKey)
  t.is(checked.type, 'inspection')
  t.alike(checked.data, { vin: 'WVW123', result: 'pass' })
  t.ok(checked.sealed)
  t.is(checked.confirmed, true)
  t.is(checked.view?.quorum, 2, 'both indexers are the quorum')
  t.is(checked.view?.signers.length, 2)

  await until([b], async () => (await b.status(first.id)) === 'confirmed')
  const fromB = await verifyReceipt(await b.proof(first.id))
  t.is(fromB.writer, a.deviceKey, 'another member issues a receipt of the same entry')
  t.not(fromB.issuer, checked.issuer)

  unpipe()
  const alone = await a.append({ type: 'inspection', data: { vin: 'WVW123', result: 'fail' } })
  t.is(alone.status, 'applied', 'one of two indexers cannot confirm')
  const applied = await verifyReceipt(await a.proof(alone.id))
  t.is(applied.confirmed, false, 'an applied entry: writer and log proved, no quorum proof')
  t.is(applied.view, null)
  t.alike(applied.data, { vin: 'WVW123', result: 'fail' })

  unpipe = replicate(a, b)
  await a.confirmed(alone.id, { timeout: 20000 })
  t.is((await verifyReceipt(await a.proof(alone.id))).confirmed, true, 'confirmed once the indexers meet again')
  unpipe()
})

test('receipts: every altered byte, a wrong key or another ledger fails', async (t) => {
  const a = await create(t)
  const other = await create(t)
  const batch = await Promise.all([1, 2, 3, 5.5, 4].map((v) => a.append({ type: 'reading', data: { stream: 'truck-7/temp', value: 4 + v } })))
  const entry = batch[3]
  t.is(entry.offset, 3, 'one block of five entries')
  const good = await a.proof(entry.id)
  await verifyReceipt(good, { ledger: a.key })

  await fails(t, verifyReceipt(good, { ledger: other.key }), 'INVALID_RECEIPT', 'another ledger than the one required')
  await fails(t, verifyReceipt({ ...good, rules: { version: 3, last: null } }), 'INVALID_RECEIPT', 'the issuer signature covers the rule version')
  await fails(t, verifyReceipt(resign({ ...good, entry: good.entry.replace('9.5', '7.5') })), 'INVALID_RECEIPT', 'altered entry')
  await fails(t, verifyReceipt(resign({ ...good, ledger: other.key })), 'INVALID_RECEIPT', 'claimed for another ledger')
  const seal = good.seal as NonNullable<Receipt['seal']>
  await fails(t, verifyReceipt(resign({ ...good, seal: { ...seal, count: seal.count + 1 } })), 'INVALID_RECEIPT', 'altered entry count')
  await fails(t, verifyReceipt(resign({ ...good, seal: { ...seal, path: seal.path.slice(1) } })), 'INVALID_RECEIPT', 'shortened path')
  await fails(t, verifyReceipt(resign({ ...good, seal: { ...seal, signature: flipByte(seal.signature, 5) } })), 'INVALID_RECEIPT', 'altered seal')
  const [writer, seq] = good.id.split('.')
  await fails(t, verifyReceipt(resign({ ...good, id: `${writer}.${seq}.0` as Receipt['id'] })), 'INVALID_RECEIPT', 'another offset')
  await fails(t, verifyReceipt(resign({ ...good, id: `${other.deviceKey}.${seq}.3` as Receipt['id'] })), 'INVALID_RECEIPT', 'another writer key')

  let passed = 0
  const log = Buffer.from(good.log, 'base64')
  for (let i = 0; i < log.byteLength; i++) {
    try {
      await verifyReceipt(resign({ ...good, log: flipByte(good.log, i) }))
      passed++
    } catch {}
  }
  t.is(passed, 0, `none of ${log.byteLength} single-byte changes of the log proof passes`)
  const view = good.view as NonNullable<Receipt['view']>
  passed = 0
  const viewBytes = Buffer.from(view.proof, 'base64')
  for (let i = 0; i < viewBytes.byteLength; i++) {
    try {
      await verifyReceipt(resign({ ...good, view: { ...view, proof: flipByte(view.proof, i) } }))
      passed++
    } catch {}
  }
  t.is(passed, 0, `none of ${viewBytes.byteLength} single-byte changes of the view proof passes`)
  await fails(t, verifyReceipt(resign({ ...good, view: { ...view, index: view.index + 1 } })), 'INVALID_RECEIPT', 'another view index')
  await fails(t, verifyReceipt(resign({ ...good, log: (await other.proof(`${other.deviceKey}.0.0`)).log })), 'INVALID_RECEIPT', 'a proof from another log')
})

test('receipts: the block itself, for holders of the key; unsealed and rejected entries', async (t) => {
  const a = await create(t)
  const entry = await a.append({ type: 'damage', data: { panel: 'rear-left' } })
  const withBlock = await a.proof(entry.id, { block: true })
  const full = await verifyReceipt(withBlock, { encryptionKey: a.encryptionKey as string })
  t.ok(full.blockChecked && full.sealed, 'decrypted and checked against the entry')
  t.absent((await verifyReceipt(withBlock)).blockChecked, 'without the key the block stays sealed shut')

  // A block written without a seal (as by older code): provable only by decrypting it.
  const seq = await appendOps(a, [{ t: 'damage', s: 5, d: { panel: 'front' } }])
  const unsealed = await a.proof(`${a.deviceKey}.${seq}.0`)
  t.is(unsealed.seal, null)
  await fails(t, verifyReceipt(unsealed), 'INVALID_RECEIPT', 'no seal and no key: nothing proves the plaintext')
  const opened = await verifyReceipt(unsealed, { encryptionKey: a.encryptionKey as string })
  t.ok(opened.blockChecked && !opened.sealed)
  await fails(t, verifyReceipt(resign({ ...unsealed, entry: unsealed.entry.replace('front', 'back') }), { encryptionKey: a.encryptionKey as string }), 'INVALID_RECEIPT', 'the decrypted block decides')

  const bad = await appendOps(a, [{ t: 'transfer', s: 6, d: { from: 'nobody', to: 'x', amount: 5 } }])
  await fails(t, a.proof(`${a.deviceKey}.${bad}.0`), 'NOT_PROVABLE', 'a rejected entry has no receipt')
  await fails(t, a.proof(`${a.deviceKey}.99.0`), 'NOT_FOUND')
})
