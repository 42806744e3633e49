/**
 * The fault suite's scenarios. Each builds a ledger with the real daemon under load, does one
 * harm to it, and hands the folder to checkFolder for the row.
 */
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, open, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { MAX_ENTRY_BYTES } from '../src/index.js'
import { checkFolder, type Row } from './check.js'
import { startDaemon } from './daemon.js'
import { jitter, postLoop } from './load.js'

/** Options every scenario takes. */
export interface ScenarioOptions {
  rounds: number
  clients: number
  onrow: (row: Row) => void
}

const tiny = (i: number): unknown => ({ type: 'reading', data: { i } })
/** '€' is 3 bytes and one UTF-16 unit: entries just under the 64 KiB limit in bytes. */
const euros = '€'.repeat(Math.floor((MAX_ENTRY_BYTES - 2) / 3) - 5)
const big = (): unknown => ({ type: 'note', data: euros })

async function scratch (name: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `meshledger-faults-${name}-`))
}

/** `signal` at a random moment of 0.5-2 s of load, restart, check; `rounds` times on one folder. */
export async function crashLoop (signal: NodeJS.Signals, opts: ScenarioOptions, { body = tiny, args = [] as string[], name = signal === 'SIGKILL' ? 'kill -9' : signal, after = [500, 2000] } = {}): Promise<Row[]> {
  const data = await scratch(name.replace(/\W+/g, ''))
  const rows: Row[] = []
  const acked: string[] = []
  try {
    for (let round = 1; round <= opts.rounds; round++) {
      const daemon = await startDaemon(data, args)
      const load = postLoop(daemon.url, daemon.token, opts.clients, body)
      await new Promise((resolve) => setTimeout(resolve, jitter(after[0], after[1])))
      await daemon.stop(signal)
      acked.push(...(await load.stop()).acked)
      const row = await checkFolder(name, round, data, acked, { args })
      rows.push(row)
      opts.onrow(row)
    }
  } finally {
    await rm(data, { recursive: true, force: true })
  }
  return rows
}

/**
 * Durable ingest of entries at the size limit for long enough that RocksDB switches WAL files
 * (every 8 MiB or so) during the load; kill -9 meanwhile.
 */
export async function walRotation (opts: ScenarioOptions): Promise<Row[]> {
  return crashLoop('SIGKILL', opts, { body: big, name: 'WAL switch, kill -9', after: [4000, 8000] })
}

/** 48 concurrent multi-byte entries at the size limit: every one acknowledged is in the ledger. */
export async function multibyte (opts: ScenarioOptions): Promise<Row[]> {
  const data = await scratch('multibyte')
  try {
    const daemon = await startDaemon(data)
    const replies = await Promise.all(Array.from({ length: 48 }, () => daemon.api('POST', '/v1/entries', big())))
    await daemon.stop('SIGTERM')
    const acked = replies.filter((r) => r.status === 201).map((r) => r.body.id as string)
    const row = await checkFolder('multi-byte at limit', 1, data, acked)
    if (acked.length !== 48) {
      row.clean = false
      row.note = `only ${acked.length} of 48 acknowledged`
    }
    opts.onrow(row)
    return [row]
  } finally {
    await rm(data, { recursive: true, force: true })
  }
}

/** The kinds of stored file a bit is flipped in, and how to find one. */
const KINDS: Array<{ kind: string, pick: (db: string[]) => string | undefined, dir?: 'store' | 'data', entries?: number }> = [
  { kind: 'WAL', pick: (names) => names.filter((n) => n.endsWith('.log')).sort().at(-1) },
  // Over 8 MiB of entries, so RocksDB has flushed a memtable into an SST.
  { kind: 'SST', pick: (names) => names.filter((n) => n.endsWith('.sst')).sort().at(0), entries: 1280 },
  { kind: 'MANIFEST', pick: (names) => names.find((n) => n.startsWith('MANIFEST-')) },
  { kind: 'CURRENT', pick: (names) => names.find((n) => n === 'CURRENT') },
  { kind: 'device file', pick: (names) => names.find((n) => n === 'CORESTORE'), dir: 'store' },
  { kind: 'API token', pick: (names) => names.find((n) => n === 'api-token'), dir: 'data' }
]

/**
 * One bit flipped at a fifth of each kind of stored file, in a ledger of a few hundred entries,
 * one in eight at the size limit (over a thousand for the SST case, so RocksDB has flushed one). Damage must be reported, never
 * absorbed: a row is clean when everything is there and sound, or the loss is detected.
 */
export async function bitFlips (opts: ScenarioOptions): Promise<Row[]> {
  const rows: Row[] = []
  for (const { kind, pick, dir, entries = 160 } of KINDS) {
    const data = await scratch('bitflip')
    try {
      const daemon = await startDaemon(data)
      const acked: string[] = []
      for (let i = 0; i < entries; i += 16) {
        const replies = await Promise.all(Array.from({ length: Math.min(16, entries - i) }, (_, j) => daemon.api('POST', '/v1/entries', (i + j) % 8 === 0 ? big() : tiny(i + j))))
        acked.push(...replies.map((r) => r.body.id as string))
      }
      await daemon.stop('SIGTERM')
      const folder = dir === 'data' ? data : dir === 'store' ? path.join(data, 'store') : path.join(data, 'store', 'db')
      const name = pick(await readdir(folder))
      if (name === undefined) {
        const row: Row = { scenario: `bit flip: ${kind}`, round: 1, acked: acked.length, found: 0, verify: '-', replica: '-', recoverMs: 0, clean: false, note: `no ${kind} file to damage` }
        rows.push(row)
        opts.onrow(row)
        continue
      }
      await flipBit(path.join(folder, name))
      const row = await checkFolder(`bit flip: ${kind}`, 1, data, acked, { damage: true })
      row.note = `${name} ${row.note ?? ''}`.trim()
      rows.push(row)
      opts.onrow(row)
    } finally {
      await rm(data, { recursive: true, force: true })
    }
  }
  return rows
}

async function flipBit (file: string): Promise<void> {
  const size = (await stat(file)).size
  const handle = await open(file, 'r+')
  try {
    const at = Math.floor(size / 5)
    const byte = Buffer.alloc(1)
    await handle.read(byte, 0, 1, at)
    byte[0] ^= 0x10
    await handle.write(byte, 0, 1, at)
  } finally {
    await handle.close()
  }
}

/**
 * A 2 MB tmpfs filled by 8 clients posting 2 KB entries; then the space comes back. Root only
 * (mount); skipped with a row saying so otherwise.
 */
export async function diskFull (opts: ScenarioOptions, { args = [] as string[], name = 'disk full' } = {}): Promise<Row[]> {
  const mnt = await scratch('diskfull')
  const skip = (note: string): Row[] => {
    const row: Row = { scenario: name, round: 1, acked: 0, found: 0, verify: '-', replica: '-', recoverMs: 0, clean: true, note: `skipped: ${note}` }
    opts.onrow(row)
    return [row]
  }
  if (process.getuid?.() !== 0) return skip('needs root to mount a tmpfs')
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', mnt])
  } catch (err) {
    return skip(`mount failed: ${String(err)}`)
  }
  try {
    const data = path.join(mnt, 'data')
    await mkdir(data)
    const daemon = await startDaemon(data, args)
    const load = postLoop(daemon.url, daemon.token, 8, (i) => ({ type: 'reading', data: { i, pad: 'x'.repeat(2000) } }))
    const deadline = Date.now() + 30_000
    let health = ''
    while (Date.now() < deadline && daemon.child.exitCode === null) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      const h = await daemon.api('GET', '/healthz').catch(() => null)
      health = h === null ? 'no answer' : JSON.stringify(h.body)
      if (h !== null && h.body.ready === false) break
    }
    const result = await load.stop()
    const refusals = [...result.refused].map(([k, n]) => `${n} x ${k}`).join(', ')
    const exited = daemon.child.exitCode !== null ? `daemon exited ${daemon.child.exitCode}` : `healthz ${health}`
    // Space back: the daemon may have recovered by itself, exited, or be stuck; the row restarts it either way.
    execFileSync('mount', ['-o', 'remount,size=256m', mnt])
    await daemon.stop('SIGTERM')
    const row = await checkFolder(name, 1, data, result.acked)
    row.note = `${refusals || 'no refusals'}; ${exited}`
    if (result.refused.size > 0 && ![...result.refused.keys()].every((k) => k.startsWith('507 STORAGE_FULL'))) row.clean = false
    opts.onrow(row)
    return [row]
  } finally {
    execFileSync('umount', ['-l', mnt])
    await rm(mnt, { recursive: true, force: true })
  }
}
