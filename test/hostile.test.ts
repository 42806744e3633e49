/**
 * Property (issue 11): a hostile member writing with stock Autobase (test/helpers/hostile-peer.ts):
 * malformed JSON, wide values, huge and non-finite numbers, lone surrogates, `__proto__` keys,
 * future protocols, forged membership, policy and invites, replays of others' blocks and bursts
 * of tiny blocks. Honest peers run in child processes with different `--stack-size` values and
 * meet the hostile peer's log in random orders (joining late, linked to it directly at a random
 * step). They must end with one view hash, keep confirming their own entries, remove (and, under
 * an auto-quarantine policy, quarantine) the hostile member, and stay within their memory bound.
 * HOSTILE_RUNS (default 2) seeds; HOSTILE_STEPS steps each; HOSTILE_BURST blocks per burst.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { Duplex } from 'node:stream'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import { decodeKey, type Ledger } from '../src/index.js'
import { create, replicate, tmp } from './helpers/index.js'
import { encodeKey } from '../src/keys.js'
import { ATTACKS, openHostile, type HostilePeer } from './helpers/hostile-peer.js'
import { rng } from './helpers/random.js'

const RUNS = Number(process.env.HOSTILE_RUNS ?? 2)
const STEPS = Number(process.env.HOSTILE_STEPS ?? 14)
const CHILD = fileURLToPath(new URL('./honest-peer-child.js', import.meta.url))
/** Stack sizes of the honest children (KB; null: Node's default). */
const STACKS = [400, 800, null]
/** Peak RSS an honest peer may reach (bytes): a Raspberry Pi with 1 GB runs several services. */
const MEMORY_BOUND = 400 * 1024 * 1024
/** The auto-quarantine policy of odd seeds: this many refused blocks in a row. */
const ROW = 25

interface Honest {
  proc: ChildProcess
  key: string
  call (cmd: Record<string, unknown>): Promise<Record<string, unknown>>
  writable: Promise<void>
  linkHostile (hostile: HostilePeer): void
}

async function spawnHonest (t: test.Test, dir: string, indexer: Ledger, stack: number | null): Promise<Honest> {
  const args = [...(stack === null ? [] : [`--stack-size=${stack}`]), CHILD, dir, indexer.key, indexer.encryptionKey ?? '']
  const proc = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit', 'ipc', 'pipe'] })
  t.teardown(() => { if (proc.exitCode === null) proc.kill('SIGKILL') })
  const stream = indexer.replicate(true)
  proc.stdout?.pipe(stream).pipe(proc.stdin as NodeJS.WritableStream)
  stream.on('error', () => {})
  proc.stdin?.on('error', () => {})
  const pending = new Map<number, { resolve: (v: Record<string, unknown>) => void, reject: (e: Error) => void }>()
  let seq = 0
  let onWritable = (): void => {}
  const writable = new Promise<void>((resolve) => { onWritable = resolve })
  const key = await new Promise<string>((resolve, reject) => {
    proc.on('message', (m: { key?: string, writable?: boolean, seq?: number, reply?: Record<string, unknown>, error?: string }) => {
      if (m.key !== undefined) resolve(m.key)
      if (m.writable === true) onWritable()
      if (m.seq === undefined) return
      const p = pending.get(m.seq)
      pending.delete(m.seq)
      if (m.error !== undefined) p?.reject(new Error(m.error))
      else p?.resolve(m.reply ?? {})
    })
    proc.on('exit', (code) => {
      reject(new Error(`honest peer exited ${String(code)}`))
      for (const p of pending.values()) p.reject(new Error(`honest peer (stack ${String(stack)}) exited ${String(code)}`))
    })
  })
  return {
    proc,
    key,
    writable,
    call: async (cmd) => await new Promise((resolve, reject) => {
      pending.set(++seq, { resolve, reject })
      proc.send({ ...cmd, seq })
    }),
    linkHostile (hostile) {
      const socket = proc.stdio[4] as Duplex
      const s = hostile.base.replicate(false)
      socket.pipe(s).pipe(socket)
      s.on('error', () => {})
      socket.on('error', () => {})
    }
  }
}

for (let run = 1; run <= RUNS; run++) {
  test(`hostile member: honest peers on different stack sizes converge and keep confirming (seed ${run})`, { timeout: 180_000 }, async (t) => {
    const random = rng(run * 15485863)
    const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]
    const dir = await tmp(t)
    const indexer = await create(t, { ackInterval: 50 })
    const withPolicy = run % 2 === 1
    if (withPolicy) {
      await indexer.setPolicy({ autoQuarantine: { rejectedInARow: ROW } })
    }
    const hostile = await openHostile(path.join(dir, 'hostile'), decodeKey(indexer.key), indexer.encryptionKey === null ? null : decodeKey(indexer.encryptionKey))
    t.teardown(() => hostile.close())
    t.teardown(replicate(indexer, hostile.base))
    await indexer.addMember(hostile.key)
    await hostile.base.waitForWritable()

    // Two honest peers from the start, one (a random stack size) joining mid-way.
    const stacks = [...STACKS].sort(() => random() - 0.5)
    const honest: Honest[] = []
    const join = async (stack: number | null): Promise<void> => {
      const h = await spawnHonest(t, path.join(dir, `honest-${honest.length}`), indexer, stack)
      await indexer.addMember(h.key)
      await h.writable
      honest.push(h)
    }
    await join(stacks[0])
    await join(stacks[1])
    const late = 2 + Math.floor(random() * (STEPS - 4))
    const removeAt = Math.floor(STEPS / 2) + Math.floor(random() * (STEPS / 2))
    const linked = new Set<Honest>()
    const confirming: Array<Promise<Record<string, unknown>>> = []
    const attacks = Object.keys(ATTACKS)
    let bursts = 0
    let appended = 0

    for (let step = 0; step < STEPS; step++) {
      if (step === late) await join(stacks[2])
      // Policy seeds: one flood of refused blocks, which must trip the auto-quarantine.
      let name = withPolicy && step === 1 ? 'flood' : pick(attacks)
      if (name === 'burst' && bursts++ > 0) name = 'malformed'
      appended += await hostile.write(name === 'flood' ? Array.from({ length: ROW + 5 }, (_, i) => Buffer.from(`flood ${i}`)) : ATTACKS[name](random, hostile, honest.map((h) => h.key)))
      const h = pick(honest)
      if (random() < 0.4) confirming.push(h.call({ cmd: 'append', n: 1 + Math.floor(random() * 3) }).catch((err: Error) => ({ confirmed: [err.message] })))
      if (random() < 0.3 && !linked.has(h)) {
        linked.add(h)
        h.linkHostile(hostile)
        await h.call({ cmd: 'hostile' })
      }
      if (step === removeAt) {
        // The indexer removes the hostile member (it may already be quarantined by the policy).
        await indexer.removeMember(hostile.key)
      }
    }
    t.comment(`hostile wrote ${appended} blocks (${bursts > 0 ? 'with' : 'without'} a burst)`)

    const statuses = (await Promise.all(confirming)).flatMap((r) => r.confirmed as string[])
    const last = await Promise.all(honest.map(async (h) => await h.call({ cmd: 'append', n: 1 })))
    const all = [...statuses, ...last.flatMap((r) => r.confirmed as string[])]
    t.ok(all.length > 0 && all.every((s) => s === 'confirmed'), `honest peers' ${all.length} entries all confirmed`)

    const record = (await indexer.members({ all: true })).find((m) => m.key === encodeKey(hostile.key))
    t.ok(record?.removedAt !== undefined, 'the hostile member is removed')
    if (withPolicy) {
      t.is(record?.quarantined?.by, 'policy', 'quarantined by the ledger\'s policy before its removal')
      t.is(record?.quarantined?.evidence?.length, ROW, 'with the refused blocks as evidence')
    }

    let states: Array<Record<string, unknown>> = []
    let target = { length: -1, hash: '' }
    for (let attempt = 0; attempt < 5; attempt++) {
      await indexer.update()
      target = { length: indexer.length, hash: await indexer.hash() }
      states = await Promise.all(honest.map(async (h) => await h.call({ cmd: 'reach', ...target })))
      if (states.every((s) => s.length === target.length && s.hash === target.hash)) break
    }
    t.ok(states.every((s) => s.hash === target.hash), `${honest.length + 1} honest peers (stacks ${stacks.map(String).join('/')}), one view hash at length ${target.length}`)
    const peak = Math.max(...states.map((s) => s.peakRss as number))
    t.ok(peak < MEMORY_BOUND, `peak RSS ${Math.round(peak / 1048576)} MB, under ${MEMORY_BOUND / 1048576} MB`)
    await Promise.all(honest.map(async (h) => await h.call({ cmd: 'close' }).catch(() => {})))
  })
}

