/**
 * The daemon: HTTP ingest from concurrent keep-alive clients (lean raw-socket clients, see
 * http-client.ts) against library ingest with the same number of appends in flight, and the daemon's RSS idle and after a large ingest (read from
 * its own /metrics). Both sides run durable (one fsync per group commit), as the daemon does.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { Agent, request } from 'node:http'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { Ledger } from '../src/index.js'
import { LeanClient } from './http-client.js'
import { concurrently, entryInput, now, removeDir, rssAfterGc, tempDir, type Scenario, type SideResult } from './util.js'

/** Concurrent HTTP clients, and appends in flight on the library side. */
const CLIENTS = 64

const BIN = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'meshledger.js')

/** HTTP ingest vs library ingest, and daemon memory. */
export const daemon: Scenario = {
  name: 'daemon',
  figures: [
    { label: `ingest over HTTP, ${CLIENTS} keep-alive clients (raw column: library, ${CLIENTS} in flight)`, metric: 'entriesPerSec', unit: 'entries/s' },
    { label: 'RSS idle (target < 100 MB; raw column: library process)', metric: 'idleMB', unit: 'MB' },
    { label: 'RSS after the large ingest (target < 200 MB)', metric: 'afterMB', unit: 'MB' }
  ],
  async run (side, quick) {
    const n = quick ? 5000 : 20000
    const total = quick ? 10000 : 100000
    const dir = await tempDir(`daemon-${side}`)
    try {
      return side === 'ours' ? await runDaemon(dir, n, total) : await runLibrary(dir, n, total)
    } finally {
      await removeDir(dir)
    }
  }
}

async function runLibrary (dir: string, n: number, total: number): Promise<SideResult> {
  const ledger = new Ledger({ storage: dir, swarm: false, durable: true })
  await ledger.ready()
  const idle = await rssAfterGc()
  const start = now()
  await concurrently(n, CLIENTS, () => ledger.append(entryInput))
  const ms = now() - start
  await concurrently(total - n, CLIENTS, () => ledger.append(entryInput))
  const after = await rssAfterGc()
  await ledger.close()
  return { metrics: { entriesPerSec: n / (ms / 1000), idleMB: idle, afterMB: after }, notes: [`library: ${n} entries in ${ms.toFixed(0)} ms, then ${total} in all`] }
}

async function runDaemon (dir: string, n: number, total: number): Promise<SideResult> {
  const child = spawn(process.execPath, [BIN, 'daemon', '--data', dir, '--port', '0', '--offline', '--log-level', 'warn'], { stdio: 'ignore' })
  try {
    const { url, token } = await waitForDaemon(dir, child)
    const agent = new Agent({ keepAlive: true })
    await new Promise((resolve) => setTimeout(resolve, 1000))
    const idle = await rssOf(agent, url, token)
    const clients = Array.from({ length: CLIENTS }, () => new LeanClient(url, 'POST', '/v1/entries', { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, JSON.stringify(entryInput)))
    const ingest = async (count: number): Promise<void> => {
      let left = count
      await Promise.all(clients.map(async (c) => {
        while (left-- > 0) {
          const status = await c.send()
          if (status !== 201) throw new Error(`POST /v1/entries answered ${status}`)
        }
      }))
    }
    const start = now()
    await ingest(n)
    const ms = now() - start
    await ingest(total - n)
    for (const c of clients) c.close()
    const after = await rssOf(agent, url, token)
    agent.destroy()
    return { metrics: { entriesPerSec: n / (ms / 1000), idleMB: idle, afterMB: after }, notes: [`daemon: ${n} entries over HTTP in ${ms.toFixed(0)} ms, then ${total} in all`] }
  } finally {
    child.kill('SIGTERM')
    await once(child, 'exit')
  }
}

async function waitForDaemon (dir: string, child: ChildProcess): Promise<{ url: string, token: string }> {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}`)
    try {
      const info = JSON.parse(await readFile(path.join(dir, 'daemon.json'), 'utf8')) as { url: string }
      return { url: info.url, token: (await readFile(path.join(dir, 'api-token'), 'utf8')).trim() }
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
  throw new Error('daemon did not start')
}

async function rssOf (agent: Agent, url: string, token: string): Promise<number> {
  const text = await call(agent, url, token, 'GET', '/metrics')
  const m = /process_resident_memory_bytes (\d+)/.exec(text)
  return m === null ? NaN : Number(m[1]) / 1e6
}

function call (agent: Agent, url: string, token: string, method: string, route: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(url + route, { method, agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => { text += d })
      res.on('end', () => (res.statusCode ?? 500) < 300 ? resolve(text) : reject(new Error(`${res.statusCode ?? 0}: ${text}`)))
    })
    req.on('error', reject)
    req.end(body)
  })
}
