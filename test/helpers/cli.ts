/**
 * The `meshledger` binary, run to completion as a child process (without MESHLEDGER_DATA from
 * the environment): exit code, stdout and stderr.
 */
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type test from 'brittle'
import { BIN } from './daemon.js'

/** What a run printed and how it exited. */
export interface Run { code: number, stdout: string, stderr: string }

/** Run the binary to completion; `input` is written to its stdin. */
export async function cli (args: string[], { input = '', env = {} }: { input?: string, env?: Record<string, string> } = {}): Promise<Run> {
  const clean = { ...process.env }
  delete clean.MESHLEDGER_DATA
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...clean, ...env } })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  child.stdin.end(input)
  // 'close', not 'exit': a process can exit before its stdout has been read to the end.
  const [code] = await once(child, 'close') as [number]
  return { code, stdout, stderr }
}

/** Run with --json on `data`, expect exit 0, parse stdout. */
export async function cliJson<T = Record<string, unknown>> (t: test.Test, data: string, args: string[], input?: string): Promise<T> {
  const r = await cli([...args, '--data', data, '--json'], { input })
  t.is(r.code, 0, `meshledger ${args.join(' ')}${r.code === 0 ? '' : ': ' + r.stderr.trim()}`)
  return JSON.parse(r.stdout) as T
}

/** A TCP port free on 127.0.0.1 a moment ago (for a daemon that must listen on a known port). */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}
