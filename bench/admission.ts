/**
 * Admission by invite on a loopback hyperdht testnet: a gateway (the only indexer) creates N
 * single-use invites and hands the codes to a separate candidate process, which joins with each
 * (own storage folder and own Hyperswarm per device, a few at a time). Measured on the gateway,
 * so its CPU is its own: the time to create the invites, then the wall and CPU time from the
 * first candidate's connection (its pairing request follows on it) until the N-th device is a
 * member in the gateway's view. Raw: a stock Autobase + Hyperbee with blind-pairing used
 * directly, as autopass does (invite record in the view, onadd opens the request with the
 * invite's public key, appends an add-writer op, confirms with the base and encryption keys).
 */
import { fork } from 'node:child_process'
import { once } from 'node:events'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { alive, now, removeDir, rssAfterGc, tempDir, until, type Scenario, type Side, type SideResult } from './util.js'
import { openGateway, type Bootstrap } from './admission-gateway.js'

/** Longest the whole admission may take, ms. */
const WAIT_MS = 5 * 60_000

/** What the candidate process sends: the testnet first, then its joins' figures. */
type CandidateMessage = { bootstrap: Bootstrap } | { joinedMs: number[] } | { error: string }

/** Admitting N devices by invite, at the gateway. */
export const admission: Scenario = {
  name: 'admission',
  figures: [
    { label: 'gateway creating 64 single-use invites (8 with --quick), one at a time', metric: 'inviteMs', unit: 'ms' },
    { label: 'gateway admitting 64 devices by invite (8 with --quick): first request → last member, wall', metric: 'admitMs', unit: 'ms' },
    { label: 'gateway admitting 64 devices by invite (8 with --quick): gateway CPU, the indexer\'s work', metric: 'cpuMs', unit: 'ms' }
  ],
  async run (side, quick) {
    const n = quick ? 8 : 64
    const root = await tempDir(`admission-${side}`)
    const candidates = fork(fileURLToPath(import.meta.url), ['candidates', side, root, String(n)], { execArgv: [] })
    const messages = messagesOf(candidates)
    try {
      const first = await messages.next()
      if (!('bootstrap' in first)) throw new Error(`candidate process: ${JSON.stringify(first)}`)
      return await admit(side, path.join(root, 'gateway'), first.bootstrap, n, candidates, messages)
    } finally {
      candidates.kill('SIGKILL')
      await removeDir(root)
    }
  }
}

async function admit (
  side: Side, storage: string, bootstrap: Bootstrap, n: number,
  candidates: ReturnType<typeof fork>, messages: ReturnType<typeof messagesOf>
): Promise<SideResult> {
  const gateway = await openGateway(side, storage, bootstrap)
  try {
    const inviteStart = now()
    const codes: string[] = []
    for (let i = 0; i < n; i++) codes.push(await gateway.invite())
    const inviteMs = now() - inviteStart

    // The window opens at the first candidate's connection: the gateway has no other peer.
    let start = 0
    let cpu = process.cpuUsage()
    let io = gateway.storage()
    gateway.swarm.once('connection', () => {
      start = now()
      cpu = process.cpuUsage()
      io = gateway.storage()
    })
    candidates.send({ codes })
    await alive(until(gateway.events, 'update', () => gateway.members() >= n + 1), WAIT_MS, `the gateway admitting ${n} devices`)
    const admitMs = now() - start
    const used = process.cpuUsage(cpu)
    const after = gateway.storage()
    const joined = await alive(messages.next(), WAIT_MS, 'the candidates reporting')
    if (!('joinedMs' in joined)) throw new Error(`candidate process: ${JSON.stringify(joined)}`)
    const sorted = joined.joinedMs.sort((a, b) => a - b)
    return {
      metrics: { inviteMs, admitMs, cpuMs: (used.user + used.system) / 1000, rssMB: await rssAfterGc() },
      notes: [
        `${n} devices: invites ${inviteMs.toFixed(0)} ms, admitted in ${admitMs.toFixed(0)} ms wall, ` +
        `gateway CPU ${(used.user / 1000).toFixed(0)} user + ${(used.system / 1000).toFixed(0)} system ms, ` +
        `storage ${after.gets - io.gets} gets in ${after.readBatches - io.readBatches} read batches, ${after.writeBatches - io.writeBatches} write batches; ` +
        `each join (candidate side, pairing to ledger open) p50 ${sorted[Math.floor(sorted.length / 2)].toFixed(0)} ms, max ${sorted[sorted.length - 1].toFixed(0)} ms`
      ]
    }
  } finally {
    await gateway.close()
  }
}

/** The candidate process's messages, one at a time. */
function messagesOf (proc: ReturnType<typeof fork>): { next: () => Promise<CandidateMessage> } {
  return {
    next: async () => {
      const [message] = await Promise.race([
        once(proc, 'message') as Promise<[CandidateMessage]>,
        once(proc, 'exit').then(([code]) => [{ error: `exited with ${String(code)}` }] as [CandidateMessage])
      ])
      return message
    }
  }
}

if (process.argv[2] === 'candidates') {
  const [side, root, n] = process.argv.slice(3)
  const { runCandidates } = await import('./admission-candidates.js')
  await runCandidates(side as Side, root, Number(n))
}
