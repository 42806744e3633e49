/**
 * Shared bench helpers: temp folders, timing, memory and disk figures, and the raw Autobase
 * baseline every comparison is made against.
 */
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import Autobase from 'autobase'
import Corestore from 'corestore'
import Hyperbee from 'hyperbee'
import type { EntryInput } from '../src/index.js'

/** Which implementation a child process measures. */
export type Side = 'ours' | 'raw'

/** Numbers one side of a scenario measured (units are in the key names). */
export type Metrics = Record<string, number>

/** What a scenario's child process hands back. */
export interface SideResult {
  metrics: Metrics
  /** Free-form observations printed under the table. */
  notes: string[]
}

/** One row of the final table: a metric both sides report, compared as ours / raw. */
export interface Figure {
  label: string
  metric: string
  /** Printed after the numbers. */
  unit: string
}

/** A scenario: runs one side in a fresh process; `figures` says what to print. */
export interface Scenario {
  name: string
  figures: Figure[]
  run: (side: Side, quick: boolean) => Promise<SideResult>
}

/** Bytes of the JSON of {@link entryData} (the `data` of every bench entry). */
export const ENTRY_BYTES = 256

/** `{ payload: 'xxx…' }`, sized so its JSON is exactly {@link ENTRY_BYTES} bytes. */
export const entryData = { payload: 'x'.repeat(ENTRY_BYTES - '{"payload":""}'.length) }

/** The entry every meshledger bench appends. */
export const entryInput: EntryInput = { type: 'bench', data: entryData }

/** The same 256 bytes as a buffer, the value every raw baseline appends. */
export const entryBuffer = Buffer.from(JSON.stringify(entryData))

/** A fresh folder under the OS temp dir. */
export function tempDir (label: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `meshledger-bench-${label}-`))
}

/** Remove a folder made by {@link tempDir}. */
export async function removeDir (dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true })
}

/** Bytes a folder occupies on disk (allocated blocks, as `du` counts them). */
export async function diskUsage (dir: string): Promise<number> {
  let total = 0
  for (const name of await readdir(dir)) {
    const file = path.join(dir, name)
    const info = await stat(file)
    total += info.isDirectory() ? await diskUsage(file) : info.blocks * 512
  }
  return total
}

/** Resident set size in MB after a few full GCs (needs `--expose-gc`, else no GC). */
export async function rssAfterGc (): Promise<number> {
  const gc = (globalThis as { gc?: () => void }).gc
  for (let i = 0; i < 3; i++) {
    gc?.()
    await new Promise((resolve) => setImmediate(resolve))
  }
  return process.memoryUsage().rss / 1e6
}

/** Highest RSS this process reached, in MB. */
export function peakRss (): number {
  return process.resourceUsage().maxRSS / 1e3
}

/** Milliseconds since an arbitrary origin, sub-ms precision. */
export function now (): number {
  return performance.now()
}

/** The `p` quantile (0..1) of some samples, nearest-rank. */
export function percentile (samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]
}

/** Arithmetic mean. */
export function mean (samples: number[]): number {
  return samples.reduce((a, b) => a + b, 0) / samples.length
}

/**
 * Keep the process alive until `promise` settles: Autobase's timers are unref'd, so a wait on
 * replication alone could otherwise let Node exit with work pending. Rejects after `timeoutMs`.
 */
export async function alive<T> (promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`bench timed out after ${timeoutMs} ms: ${what}`)), timeoutMs)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Resolves once `check()` is true, re-checked on every `event` of `emitter` (no polling). The
 * listener is attached before each check, so no event is missed between check and wait.
 */
export async function until (
  emitter: NodeJS.EventEmitter, event: string, check: () => boolean | Promise<boolean>
): Promise<void> {
  while (true) {
    let wake = (): void => {}
    const next = new Promise<void>((resolve) => { wake = resolve })
    emitter.on(event, wake)
    try {
      if (await check()) return
      await next
    } finally {
      emitter.off(event, wake)
    }
  }
}

/** Run `task(i)` for i in [0, n) with at most `inFlight` running; each caller awaits only its own. */
export async function concurrently (n: number, inFlight: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < n) await task(next++)
  }
  await Promise.all(Array.from({ length: Math.min(n, inFlight) }, worker))
}

/** A raw base joining an existing one: its bootstrap key and encryption key. */
export interface RawBaseKeys { key: Buffer, encryptionKey: Buffer }

/**
 * The raw baseline: a stock Autobase (default options, default Corestore caches) whose apply puts
 * each value into a Hyperbee view with one `batch()` + `flush()`, keyed by writer and log index
 * ({@link rawKey}). A new base unless `join` names one (then this device only reads it).
 */
export async function openRawBase (dir: string, join?: RawBaseKeys): Promise<{ base: Autobase<Hyperbee>, store: Corestore, close: () => Promise<void> }> {
  const store = new Corestore(dir)
  const base = new Autobase<Hyperbee>(store, join?.key ?? null, {
    valueEncoding: 'binary',
    encrypt: join === undefined, // meshledger ledgers are encrypted by default: compare the same work
    encryptionKey: join?.encryptionKey ?? null,
    open: (viewStore) => new Hyperbee(viewStore.get('view'), { keyEncoding: 'binary', valueEncoding: 'binary' }),
    apply: async (nodes, view) => {
      const batch = view.batch({ update: false })
      for (const node of nodes) {
        if (node.value !== null) await batch.put(rawKey(node.from.key, node.length - 1), node.value)
      }
      await batch.flush()
    },
    close: (view) => view.close()
  })
  await base.ready()
  return {
    base,
    store,
    close: async () => {
      await base.close()
      await store.close()
    }
  }
}

/** The raw baseline's view key of a writer's block: the writer's key, then the index (8 bytes, big-endian). */
export function rawKey (writer: Buffer, seq: number): Buffer {
  const key = Buffer.allocUnsafe(40)
  writer.copy(key, 0)
  key.writeBigUInt64BE(BigInt(seq), 32)
  return key
}
