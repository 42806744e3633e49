/**
 * Bad input always gets a coded error: a malformed percent-escape in a path, an invite with its
 * discovery key cut out, data nested past the limit or a number past a double's range over HTTP.
 */
import test from 'brittle'
import BlindPairing from 'blind-pairing'
import z32 from 'z32'
import { Ledger, decodeKey, join, verifyReceipt } from '../src/index.js'
import { spawnDaemon } from './helpers/daemon.js'
import { create, fails, tmp } from './helpers/index.js'

test('coded input errors over HTTP: bad percent-escapes, deep data, 1e400', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  for (const route of ['/v1/entries/%E0%A4%A', '/v1/entries/%E0%A4%A/status', '/v1/assets/%ZZ', '/v1/balances/%C0%80']) {
    const res = await d.api('GET', route)
    t.is(`${res.status} ${String(res.body?.error?.code)}`, '400 INVALID_REQUEST', `GET ${route}`)
  }
  const deep = await d.api('POST', '/v1/entries', '{"type":"n","data":' + '['.repeat(4110) + ']'.repeat(4110) + '}')
  t.is(`${deep.status} ${String(deep.body?.error?.code)}`, '400 INVALID_ENTRY', 'data nested 4110 deep')
  const huge = await d.api('POST', '/v1/entries', '{"type":"n","data":{"x":1e400}}')
  t.is(`${huge.status} ${String(huge.body?.error?.code)}`, '400 INVALID_ENTRY', '1e400 is refused, not stored as null')
  const ok = await d.api('POST', '/v1/entries', '{"type":"n","data":{"x":1e300}}')
  t.is(ok.status, 201, 'a large finite number is fine')
})

test('coded input errors: an invite with its discovery key cut out is INVALID_INVITE', async (t) => {
  const ledger = await create(t)
  const { invite } = BlindPairing.createInvite(decodeKey(ledger.key))
  const tampered = Buffer.from(invite)
  tampered[1] = 0 // flags: no discovery key, no expiry
  await fails(t, join(z32.encode(tampered), { storage: await tmp(t), bootstrap: [], dhtHost: '127.0.0.1', timeout: 1000 }), 'INVALID_INVITE', 'no discovery key')
  await fails(t, join(z32.encode(tampered.subarray(0, 34)), { storage: await tmp(t), bootstrap: [], dhtHost: '127.0.0.1', timeout: 1000 }), 'INVALID_INVITE', 'truncated')
  await fails(t, join(42 as unknown as string, { storage: await tmp(t), bootstrap: [], dhtHost: '127.0.0.1', timeout: 1000 }), 'INVALID_INVITE', 'not a string')
})

test('coded input errors: a receipt nested deep is INVALID_RECEIPT, as text or as an object', async (t) => {
  const ledger = await create(t)
  const entry = await ledger.append({ type: 'note', data: 'x' })
  const receipt = await ledger.proof(entry.id)
  t.is((await verifyReceipt(receipt)).id, entry.id, 'the receipt itself verifies')
  const text = JSON.stringify(receipt)
  t.ok(text.includes('"rules":{'))
  // Inside a field the issuer's signature covers: hashing the body stringifies it.
  const deep = text.replace('"rules":{', '"rules":{"extra":' + '['.repeat(100_000) + ']'.repeat(100_000) + ',')
  await fails(t, verifyReceipt(deep), 'INVALID_RECEIPT', 'as text')
  await fails(t, verifyReceipt(JSON.parse(deep)), 'INVALID_RECEIPT', 'as an object')
})

test('a call before ready() is NOT_READY, not INVALID_OPTION', async (t) => {
  const ledger = new Ledger({ storage: await tmp(t), swarm: false })
  await fails(t, ledger.get('x'), 'NOT_READY', 'get before ready')
  await fails(t, (async () => ledger.mode)(), 'NOT_READY', 'mode before ready')
})
