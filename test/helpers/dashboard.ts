/**
 * Signing in to a daemon's dashboard the way an operator does: `meshledger dashboard` prints a
 * one-time link; opening it answers a redirect with the session cookie.
 */
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { BIN } from './daemon.js'

const run = promisify(execFile)

/** The login link `meshledger dashboard --data <data>` prints. */
export async function loginLink (data: string): Promise<string> {
  const { stdout } = await run(process.execPath, [BIN, 'dashboard', '--data', data])
  return stdout.split('\n')[0]
}

/** Open a login link without following the redirect: its status, location and cookie header. */
export async function openLink (link: string): Promise<{ status: number, location: string | null, setCookie: string }> {
  const res = await fetch(link, { redirect: 'manual' })
  await res.arrayBuffer()
  return { status: res.status, location: res.headers.get('location'), setCookie: res.headers.getSetCookie().join('\n') }
}
