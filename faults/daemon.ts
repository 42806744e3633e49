/**
 * The real daemon binary as the fault suite drives it: spawned on port 0 over a data folder,
 * read back from its JSON log lines, stopped by a signal of the suite's choosing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'

/** The daemon binary (compiled next to this file). */
export const BIN = new URL('../bin/meshledger.js', import.meta.url).pathname

/** A running daemon process. */
export interface DaemonProcess {
  child: ChildProcess
  url: string
  token: string
  /** ms from spawn to its `ready` line. */
  startMs: number
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>
  /** An authorised JSON request. */
  api (method: string, route: string, body?: unknown): Promise<{ status: number, body: any }>
  /** Send `signal` and resolve once the process is gone. */
  stop (signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>
}

/** Why a daemon did not start: its exit and the coded error it printed, if any. */
export class StartFailed extends Error {
  constructor (readonly exit: number | NodeJS.Signals, readonly code: string | null, readonly output: string) {
    super(`daemon exited ${String(exit)}${code === null ? '' : ` (${code})`}: ${output.trim().split('\n').slice(-3).join(' | ')}`)
  }
}

/** Start `meshledger daemon --data <data> --port 0 --offline --no-lan` plus `args`. */
export async function startDaemon (data: string, args: string[] = []): Promise<DaemonProcess> {
  const started = Date.now()
  const child = spawn(process.execPath, [BIN, 'daemon', '--data', data, '--port', '0', '--offline', '--no-lan', ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals)
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output += line + '\n'
      try {
        const event = JSON.parse(line) as Record<string, unknown>
        if (event.event === 'ready') resolve(event)
      } catch {}
    })
    exited.then((exit) => reject(new StartFailed(exit, /\b([A-Z][A-Z_]{3,}):/.exec(output)?.[1] ?? null, output)), reject)
  })
  const url = String(ready.api)
  const token = (await readFile(String(ready.token), 'utf8')).trim()
  const api = async (method: string, route: string, body?: unknown): Promise<{ status: number, body: any }> => {
    const res = await fetch(url + route, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text }
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | NodeJS.Signals> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  return { child, url, token, startMs: Date.now() - started, exited, api, stop }
}
