/**
 * Spawning the real daemon binary for tests: port 0, a temp data folder, the URL and token read
 * back from the folder the way a local program would.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { createInterface } from 'node:readline'
import type test from 'brittle'

/** The daemon binary. */
export const BIN = new URL('../bin/meshledger.js', import.meta.url).pathname

/** A running daemon process. */
export interface RunningDaemon {
  child: ChildProcess
  url: string
  token: string
  log: Array<Record<string, unknown>>
  /** Resolves with the first log event (already written or still to come) that `match` accepts. */
  logged (match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Send a signal and resolve with the exit code (null if killed by the signal). */
  stop (signal?: NodeJS.Signals): Promise<number | null>
  /** An authorised JSON request. */
  api (method: string, route: string, body?: unknown, token?: string): Promise<{ status: number, body: any }>
}

/** Start `meshledger daemon` on `data` (offline unless told); stopped at teardown if still running. */
export async function spawnDaemon (t: test.Test, data: string, args: string[] = [], { offline = true }: { offline?: boolean } = {}): Promise<RunningDaemon> {
  const child = spawn(process.execPath, [BIN, 'daemon', '--data', data, '--port', '0', ...(offline ? ['--offline'] : []), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const log: Array<Record<string, unknown>> = []
  const waiting = new Set<{ match: (event: Record<string, unknown>) => boolean, resolve: (event: Record<string, unknown>) => void }>()
  const logged = async (match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    log.find(match) ?? await new Promise((resolve) => waiting.add({ match, resolve }))
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString() })
  const exited = once(child, 'exit') as Promise<[number | null]>
  const ready = new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      const ev = JSON.parse(line) as Record<string, unknown>
      log.push(ev)
      for (const w of waiting) {
        if (!w.match(ev)) continue
        waiting.delete(w)
        w.resolve(ev)
      }
      if (ev.event === 'ready') resolve()
    })
    exited.then(([code]) => reject(new Error(`daemon exited ${String(code)}: ${stderr}`)), reject)
  })
  await ready
  const info = JSON.parse(await readFile(path.join(data, 'daemon.json'), 'utf8')) as { url: string }
  const token = (await readFile(path.join(data, 'api-token'), 'utf8')).trim()
  let stopped = false
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (!stopped) {
      stopped = true
      child.kill(signal)
    }
    return (await exited)[0]
  }
  t.teardown(async () => { await stop() })
  const api = async (method: string, route: string, body?: unknown, auth = token): Promise<{ status: number, body: any }> => {
    const res = await fetch(info.url + route, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text }
  }
  return { child, url: info.url, token, log, logged, stop, api }
}
