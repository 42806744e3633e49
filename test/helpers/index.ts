/**
 * Test helpers: real storage in temp folders, a real DHT testnet on loopback.
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type test from 'brittle'
import Corestore from 'corestore'
import type Hypercore from 'hypercore'
import createTestnet from 'hyperdht/testnet.js'
import { isMeshledgerError, Ledger, type ErrorCode, type LedgerOptions, type Role } from '../../src/index.js'
import { pipeReplicas, type Replicable } from '../../src/audit/pipe.js'
import { keepAlive } from '../../src/replica/keep-alive.js'

type T = test.Test

/** A temp folder removed at teardown. */
export async function tmp (t: T): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'meshledger-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }), { order: Infinity })
  return dir
}

/** A loopback DHT testnet; returns options that point a ledger at it. */
export async function testnet (t: T): Promise<Pick<LedgerOptions, 'bootstrap' | 'dhtHost'>> {
  const net = await createTestnet(3, { teardown: t.teardown })
  return { bootstrap: net.bootstrap, dhtHost: '127.0.0.1' }
}

/**
 * The protocol a new test ledger activates when a test does not say: the newest, unless
 * MESHLEDGER_TEST_PROTOCOL names another (e.g. 4, to run a test file against the baseline layout).
 */
const TEST_PROTOCOL = process.env.MESHLEDGER_TEST_PROTOCOL === undefined ? {} : { protocol: Number(process.env.MESHLEDGER_TEST_PROTOCOL) }

/** An open ledger in a temp folder, closed at teardown. Offline unless given network options. */
export async function create (t: T, opts: Partial<LedgerOptions> = {}): Promise<Ledger> {
  const ledger = new Ledger({ storage: opts.storage ?? await tmp(t), swarm: false, ackInterval: 50, ...TEST_PROTOCOL, ...opts })
  t.teardown(() => ledger.close())
  await ledger.ready()
  return ledger
}

/** Resolves once `fn()` is true, re-checked after each ledger update, peer view check or `writable` (no sleeps). */
export async function until (ledgers: Ledger[], fn: () => boolean | Promise<boolean>): Promise<void> {
  const alive = keepAlive()
  try {
    await untilUpdated(ledgers, fn)
  } finally {
    clearInterval(alive)
  }
}

async function untilUpdated (ledgers: Ledger[], fn: () => boolean | Promise<boolean>): Promise<void> {
  while (true) {
    let wake = (): void => {}
    const next = new Promise<void>((resolve) => { wake = resolve })
    for (const l of ledgers) {
      l.on('update', wake)
      l.on('view-check', wake)
      l.on('writable', wake)
    }
    try {
      if (await fn()) return
      await next
    } finally {
      for (const l of ledgers) {
        l.off('update', wake)
        l.off('view-check', wake)
        l.off('writable', wake)
      }
    }
  }
}

/** Whether `promise` settled within `ms`: true once it resolved, false once `ms` have passed. */
export async function within (ms: number, promise: Promise<unknown>): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
  try {
    return await Promise.race([promise.then(() => true), late])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * A new ledger `a` and a follower `b` of it (not a member) replicating in memory, once `b` holds
 * `a`'s first entry: what follows arrives one entry at a time, as on a device following a writer.
 */
export async function followerPair (t: T): Promise<{ a: Ledger, b: Ledger }> {
  const a = await create(t)
  const b = await create(t, { key: a.key, encryptionKey: a.encryptionKey })
  t.teardown(replicate(a, b))
  const first = await a.append({ type: 'note', data: { first: true } })
  await until([b], async () => (await b.get(first.id)) !== null)
  return { a, b }
}

/**
 * Pipe two replicas' streams together in memory (no network); returns the stop. Ledgers, bases and
 * stores alike; the audit's own pipe, so tests and audit replicate the same way.
 */
export function replicate (a: Replicable, b: Replicable): () => void {
  return pipeReplicas(a, b)
}

/** A core of its own store (`a`, named `log`) and its replica on another (`b`), piped until teardown. */
export async function corePair (t: T): Promise<{ dirA: string, storeA: Corestore, storeB: Corestore, a: Hypercore, b: Hypercore }> {
  const dirA = await tmp(t)
  const storeA = new Corestore(dirA)
  const storeB = new Corestore(await tmp(t))
  const a = storeA.get({ name: 'log' })
  await a.ready()
  const b = storeB.get({ key: a.key })
  await b.ready()
  const stop = replicate(storeA, storeB)
  t.teardown(async () => {
    stop()
    await storeB.close()
    await storeA.close()
  })
  return { dirA, storeA, storeB, a, b }
}

/** Asserts that `promise` rejects with a MeshledgerError of `code`. */
export async function fails (t: T, promise: Promise<unknown>, code: ErrorCode, message?: string): Promise<void> {
  try {
    await promise
    t.fail(`${message ?? code}: resolved instead of failing`)
  } catch (err) {
    t.ok(isMeshledgerError(err, code), message ?? code)
    if (!isMeshledgerError(err, code)) t.comment(err)
  }
}

/**
 * The creator plus one replica per role given, replicated in memory; each added with its role and
 * writable before this resolves.
 */
export async function group (t: T, roles: Role[], opts: Partial<LedgerOptions> = {}): Promise<Ledger[]> {
  const first = await create(t, opts)
  const out = [first]
  for (const role of roles) {
    const l = await create(t, { ...opts, key: first.key, encryptionKey: first.encryptionKey })
    t.teardown(replicate(first, l))
    await first.addMember(l.deviceKey, { role })
    out.push(l)
  }
  await until(out, () => out.every((l) => l.writable))
  return out
}
