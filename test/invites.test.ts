import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { promisify } from 'node:util'
import { readdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import test from 'brittle'
import BlindPairing from 'blind-pairing'
import z32 from 'z32'
import { decodeKey, join, Ledger, type MeshledgerError } from '../src/index.js'
import { create, fails, testnet, tmp, until } from './helpers/index.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'

const run = promisify(execFile)

async function list<T> (it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = []
  for await (const x of it) out.push(x)
  return out
}

async function joined (t: test.Test, code: string, net: Awaited<ReturnType<typeof testnet>>): Promise<Ledger> {
  const ledger = await join(code, { storage: await tmp(t), ...net, ackInterval: 50, timeout: 20_000 })
  t.teardown(() => ledger.close())
  return ledger
}

test('invite round trip: a new device joins as a writer, once', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined })
  const { code, id } = await a.invite({ role: 'writer' })
  t.ok(code.length < 120, `a short code (${code.length} chars)`)
  const b = await joined(t, code, net)
  t.is(b.key, a.key)
  t.ok(b.encryptionKey !== null && b.encryptionKey === a.encryptionKey, 'the encryption key came with the invite')
  await until([b], () => b.writable)
  const note = await b.append({ type: 'note', data: 'joined by invite' })
  await until([a], async () => (await a.get(note.id)) !== null)
  const [invite] = await list(a.invites())
  t.is(invite.id, id)
  t.is(invite.used, 1)
  t.alike(invite.admitted, [b.deviceKey])
  t.is((await a.members()).find((m) => m.key === b.deviceKey)?.role, 'writer')

  await fails(t, join(code, { storage: await tmp(t), ...net, timeout: 20_000 }), 'INVITE_REJECTED', 'a used invite is refused')
  t.is((await a.members()).length, 2, 'nothing changed on the ledger')
})

test('expired, revoked, forged and unknown invites are refused; readers read and never write', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined })
  const short = await a.invite({ expires: 1 })
  await new Promise((resolve) => setTimeout(resolve, 20)) // let the invite's hour (1 ms) pass
  await fails(t, join(short.code, { storage: await tmp(t), ...net, timeout: 20_000 }), 'INVITE_REJECTED', 'expired')
  const revoked = await a.invite()
  await a.revokeInvite(revoked.id)
  await fails(t, join(revoked.code, { storage: await tmp(t), ...net, timeout: 20_000 }), 'INVITE_REJECTED', 'revoked')
  await fails(t, join('not-an-invite', { storage: await tmp(t), ...net }), 'INVALID_INVITE', 'forged')
  const unknown = BlindPairing.createInvite(decodeKey(a.key)) // well formed, never recorded on the ledger
  await fails(t, join(z32.encode(unknown.invite), { storage: await tmp(t), ...net, timeout: 3000 }), 'INVITE_TIMEOUT', 'unknown to the ledger: no indexer can answer it')
  t.is((await a.members()).length, 1, 'no one was added')

  const reader = await joined(t, (await a.invite({ role: 'reader' })).code, net)
  const note = await a.append({ type: 'note', data: 'for readers too' })
  await until([reader], async () => (await reader.get(note.id)) !== null)
  t.is(reader.writable, false, 'a reader never writes')
  await fails(t, reader.append({ type: 'note' }), 'NOT_WRITABLE')
})

test('a stranger with the ledger key but no encryption key reads nothing and is told so', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined })
  await a.append({ type: 'note', data: { secret: 'PLAINTEXT-MARKER-42' } })
  const stranger = new Ledger({ storage: await tmp(t), key: a.key, ...net })
  t.teardown(() => stranger.close())
  const told = once(stranger, 'encryption-key-required') as Promise<[MeshledgerError]>
  await stranger.ready()
  const [err] = await told
  t.is(err.code, 'ENCRYPTION_KEY_REQUIRED')
  await fails(t, stranger.update(), 'ENCRYPTION_KEY_REQUIRED')
  t.is(stranger.length, 0, 'nothing applied')

  const dir = (a as unknown as { options: { storage: string } }).options.storage
  let found = false
  for (const file of await readdir(dir, { recursive: true })) {
    const full = path.join(dir, file)
    const text = await readFile(full).catch(() => null)
    if (text !== null && text.includes('PLAINTEXT-MARKER-42')) found = true
  }
  t.absent(found, 'nothing readable on disk')
})

test('the command: meshledger invite on a daemon, meshledger join on a new folder', async (t) => {
  const net = await testnet(t)
  const boot = net.bootstrap?.map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(',') ?? ''
  const dirA = await tmp(t)
  await spawnDaemon(t, dirA, ['--bootstrap', boot, '--dht-host', '127.0.0.1', '--no-lan'], { offline: false })
  const invite = JSON.parse((await run(process.execPath, [BIN, 'invite', '--data', dirA, '--json'])).stdout) as { code: string }
  const dirB = await tmp(t)
  const joined = JSON.parse((await run(process.execPath, [BIN, 'join', invite.code, '--data', dirB, '--bootstrap', boot, '--dht-host', '127.0.0.1', '--json'])).stdout) as { ledger: string, device: string }
  const status = JSON.parse((await run(process.execPath, [BIN, 'status', '--data', dirA, '--json'])).stdout) as { ledger: string }
  t.is(joined.ledger, status.ledger, 'the new folder holds the same ledger')
  const members = JSON.parse((await run(process.execPath, [BIN, 'members', '--data', dirA, '--json'])).stdout) as { members: Array<{ key: string, role: string }> }
  t.is(members.members.find((m) => m.key === joined.device)?.role, 'writer', 'admitted as a writer')
  const again = await run(process.execPath, [BIN, 'join', invite.code, '--data', await tmp(t), '--bootstrap', boot, '--dht-host', '127.0.0.1', '--timeout', '15000']).then(() => 0, (err: { code: number }) => err.code)
  t.is(again, 4, 'a used invite: rejected input')
})

test('a removed device is turned away by its peers\' swarms', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined })
  const b = await joined(t, (await a.invite()).code, net)
  await until([a], async () => (await a.members()).length === 2)
  const bSwarm = b.swarm?.keyPair.publicKey.toString('hex') ?? ''
  const member = (await a.members()).find((m) => m.key === b.deviceKey) as { swarmKey?: string } | undefined
  t.is(member?.swarmKey, bSwarm, 'the invite recorded the device\'s swarm key')
  const refused = once(a, 'peer-refused')
  await a.removeMember(b.deviceKey)
  const [peer] = await refused as [{ publicKey: string }]
  t.is(decodeKey(peer.publicKey).toString('hex'), bSwarm, 'the connection to the removed device is dropped and refused')
  await until([a], () => !a.peers().some((p) => decodeKey(p.publicKey).toString('hex') === bSwarm))
  t.pass('no longer a peer')
})

test('a device added by key states its swarm key, and is turned away once removed', async (t) => {
  const net = await testnet(t)
  const a = await create(t, { ...net, swarm: undefined })
  const b = await create(t, { ...net, swarm: undefined, key: a.key, encryptionKey: a.encryptionKey })
  await a.addMember(b.deviceKey)
  const bSwarm = b.swarm?.keyPair.publicKey.toString('hex') ?? ''
  await until([a, b], async () => ((await a.members()).find((m) => m.key === b.deviceKey) as { swarmKey?: string } | undefined)?.swarmKey === bSwarm)
  t.pass('member.swarm recorded the device\'s swarm key on the ledger')
  const refused = once(a, 'peer-refused')
  await a.removeMember(b.deviceKey)
  const [peer] = await refused as [{ publicKey: string }]
  t.is(decodeKey(peer.publicKey).toString('hex'), bSwarm, 'the removed device\'s connection is refused')
})
