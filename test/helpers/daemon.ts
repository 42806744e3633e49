/**
 * The real daemon binary, spawned the one way the tests and the fault suite (faults/daemon.ts)
 * both use: port 0 on a data folder, its JSON log lines kept, the URL and token taken from its
 * `ready` line (the token read from the file it names), stopped by a signal of the caller's choosing.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { readFile } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type test from 'brittle'

/** The `meshledger` binary (compiled to dist/bin). */
export const BIN = new URL('../../bin/meshledger.js', import.meta.url).pathname

/** A running daemon process. */
export interface DaemonProcess {
  child: ChildProcess
  url: string
  token: string
  /** ms from spawn to its `ready` line. */
  startMs: number
  /** Its JSON log lines so far. */
  log: Array<Record<string, unknown>>
  /** Resolves with the first log event (already written or still to come) that `match` accepts. */
  logged (match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>
  /** Resolves with the exit code, or the signal that ended it. */
  exited: Promise<number | NodeJS.Signals>
  /** An authorised JSON request (a string body is sent as is). */
  api (method: string, route: string, body?: unknown, token?: string): Promise<{ status: number, body: any }>
  /** Send `signal` (unless it is gone already) and resolve with how it ended. */
  stop (signal?: NodeJS.Signals): Promise<number | NodeJS.Signals>
}

/** Why a daemon did not start: its exit and the coded error it printed, if any. */
export class StartFailed extends Error {
  constructor (readonly exit: number | NodeJS.Signals, readonly code: string | null, readonly output: string) {
    super(`daemon exited ${String(exit)}${code === null ? '' : ` (${code})`}: ${output.trim().split('\n').slice(-3).join(' | ')}`)
  }
}

/** How to spawn it: its environment, the node binary, and a command it runs under (`['strace', '-f']`). */
export interface LaunchOptions {
  env?: NodeJS.ProcessEnv
  node?: string
  wrapper?: string[]
}

/** Start `meshledger daemon --data <data> --port 0` plus `args`; resolves at its `ready` line. */
export async function launchDaemon (data: string, args: string[] = [], { env = process.env, node = process.execPath, wrapper = [] }: LaunchOptions = {}): Promise<DaemonProcess> {
  const started = Date.now()
  const [command, ...argv] = [...wrapper, node, BIN, 'daemon', '--data', data, '--port', '0', ...args]
  const child = spawn(command as string, argv, { stdio: ['ignore', 'pipe', 'pipe'], env })
  const log: Array<Record<string, unknown>> = []
  const waiting = new Set<{ match: (event: Record<string, unknown>) => boolean, resolve: (event: Record<string, unknown>) => void }>()
  const logged = async (match: (event: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> =>
    log.find(match) ?? await new Promise((resolve) => waiting.add({ match, resolve }))
  let output = ''
  child.stderr?.on('data', (d: Buffer) => { output += d.toString() })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | NodeJS.Signals)
  const ready = await new Promise<Record<string, unknown>>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
      output += line + '\n'
      let event: Record<string, unknown>
      try {
        event = JSON.parse(line) as Record<string, unknown>
      } catch {
        return
      }
      log.push(event)
      for (const w of waiting) {
        if (!w.match(event)) continue
        waiting.delete(w)
        w.resolve(event)
      }
      if (event.event === 'ready') resolve(event)
    })
    exited.then((exit) => reject(new StartFailed(exit, /\b([A-Z][A-Z_]{3,}):/.exec(output)?.[1] ?? null, output)), reject)
  })
  const url = String(ready.api)
  const token = (await readFile(String(ready.token), 'utf8')).trim()
  const api = async (method: string, route: string, body?: unknown, auth = token): Promise<{ status: number, body: any }> => {
    const res = await fetch(url + route, {
      method,
      headers: { authorization: `Bearer ${auth}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body)
    })
    const text = await res.text()
    return { status: res.status, body: text.startsWith('{') ? JSON.parse(text) : text }
  }
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | NodeJS.Signals> => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal)
    return exited
  }
  return { child, url, token, startMs: Date.now() - started, log, logged, exited, api, stop }
}

/** `launchDaemon` for a test: offline unless told, stopped at teardown if still running. */
export async function spawnDaemon (t: test.Test, data: string, args: string[] = [], { offline = true, ...launch }: { offline?: boolean } & LaunchOptions = {}): Promise<DaemonProcess> {
  const d = await launchDaemon(data, [...(offline ? ['--offline'] : []), ...args], launch)
  t.teardown(async () => { await d.stop() })
  return d
}
