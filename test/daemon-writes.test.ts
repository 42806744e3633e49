/**
 * The write routes and the commands on them call the ledger's typed methods: hex keys and accounts
 * are normalised as the library does, and every op family a command writes has its route.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import test from 'brittle'
import b4a from 'b4a'
import { decodeKey, normalizeKey } from '../src/keys.js'
import { tmp } from './helpers/index.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'

const run = promisify(execFile)

test('write routes: transfers, assets, rules, quarantine, through the ledger\'s methods', async (t) => {
  const data = await tmp(t)
  const d = await spawnDaemon(t, data)
  const device = (await d.api('GET', '/v1/status')).body.device as string
  const hex = (key: string): string => b4a.toString(decodeKey(key), 'hex')

  await d.api('POST', '/v1/mint', { to: hex(device), amount: 10 })
  const other = normalizeKey('ab'.repeat(32))
  const added = await d.api('POST', '/v1/members', { key: hex(other) })
  t.is(added.status, 201, 'a member added by hex key')
  const paid = await d.api('POST', '/v1/transfers', { to: hex(other), amount: 3 })
  t.is(paid.status, 201)
  t.alike((await d.api('GET', `/v1/entries/${paid.body.id as string}`)).body.data.to, other, 'the account is recorded as z32, as ledger.transfer() does')
  const badly = await d.api('POST', '/v1/transfers', { to: 5, amount: 3 })
  t.alike([badly.status, badly.body.error?.code], [400, 'INVALID_REQUEST'])

  const cli = async (...args: string[]): Promise<{ status: string }> => {
    const { status } = JSON.parse((await run(process.execPath, [BIN, ...args, '--data', data, '--json'])).stdout) as { status: string }
    return { status: status === 'applied' || status === 'confirmed' ? 'written' : status }
  }
  t.is((await cli('asset', 'register', 'VIN-1', 'vehicle', '{"model":"Van"}')).status, 'written')
  t.is((await cli('asset', 'event', 'VIN-1', 'maintenance', '{"km":10}')).status, 'written')
  t.is((await cli('asset', 'transfer', 'VIN-1', hex(other))).status, 'written')
  const history = (await d.api('GET', '/v1/assets/VIN-1/history')).body.history as Array<{ op: string, to?: string }>
  t.alike(history.map((s) => s.op), ['register', 'event', 'transfer'])
  t.is(history[2].to, other)
  const taken = await d.api('POST', '/v1/assets', { id: 'VIN-1', kind: 'vehicle' })
  t.alike([taken.status, taken.body.error?.code], [409, 'ASSET_EXISTS'])

  t.is((await d.api('POST', '/v1/rules', { id: 'noted', when: { type: 'note' }, then: [{ do: 'alert', message: 'n' }] })).status, 201)
  t.is((await d.api('DELETE', '/v1/rules/noted')).status, 201)
  const gone = await d.api('DELETE', '/v1/rules/noted')
  t.alike([gone.status, gone.body.error?.code], [422, 'UNKNOWN_RULE'])

  t.is((await cli('quarantine', hex(other), '--reason', 'test')).status, 'written')
  t.is((await cli('release', other)).status, 'written')
})
