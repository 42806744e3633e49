/**
 * What a command is: its usage, its flags, and a `run` that gets the parsed arguments and a lazily
 * opened {@link Client}. Shared helpers for writes (`--wait confirmed`) live here too.
 *
 * A command file exports `Command[]` and main.ts lists it. The file itself must stay light: help,
 * `--version` and completion load every command file, so whatever a command needs beyond this
 * folder (the daemon, the ledger, hyperdht) is loaded in its `run` with `await import(...)`.
 */
import type { EntryStatus, Rejection } from '../protocol/entry.js'
import { EXIT } from './constants.js'
import { choice, duration, type Flags, type OptionSpec } from './args.js'
import { UsageError } from './errors.js'
import type { Client, ConnectOptions, Query } from './client.js'
import { print, printJson } from './output.js'

/** What a command's `run` gets. */
export interface Context {
  /** Positional arguments, checked against the usage. */
  args: string[]
  flags: Flags
  /** `--json` given. */
  json: boolean
  /** The data folder. */
  data: string
  /** The ledger's API (connected on first call, closed by main). */
  client (options?: ConnectOptions): Promise<Client>
  /** Every command of the command line (for `completion`). */
  commands: Command[]
}

/** A command of the `meshledger` command line. */
export interface Command {
  /** As typed: `get`, `asset register`. */
  name: string
  /** Positionals: `<required> [optional]`. */
  usage: string
  /** One line for the command list. */
  summary: string
  /** More about it, for its `--help`. */
  description?: string
  /** The whole `--help` text, when the generated one will not do. */
  help?: string
  /** Its own flags (the common ones are added). */
  options?: Record<string, OptionSpec>
  /** Writes an entry: takes `--wait` and `--timeout`. */
  write?: boolean
  /** `false`: needs no data folder, so takes no `--data` (`verify-receipt`, `completion`). */
  data?: false
  /** Resolves with the exit code (0 when nothing is returned). */
  run (ctx: Context): Promise<number | void>
  /**
   * Reports an error that ended the command (its flags' parsing included) in place of the usual
   * line on stderr, and answers the exit code; `undefined` leaves it to the usual line.
   */
  failed? (err: unknown, argv: string[]): number | undefined | Promise<number | undefined>
}

/** A write's answer from the API (`rejection` when the ledger rejected the op). */
export interface WriteResult {
  id: string
  status: EntryStatus
  rejection?: Rejection
}

/** The `?wait=confirmed&timeout=` query of a write. */
export function waitQuery (flags: Flags): Query {
  const wait = flags.wait
  if (typeof wait === 'string') choice(wait, ['confirmed'], '--wait')
  if (flags.timeout !== undefined && wait === undefined) throw new UsageError('--timeout needs --wait confirmed')
  return { wait, timeout: typeof flags.timeout === 'string' ? duration(flags.timeout, '--timeout') : undefined }
}

/**
 * Send a write and print `<status>  <id>` (or the API's answer with --json). Resolves with the
 * exit code: rejected input (4) when the ledger recorded the op as rejected.
 */
export async function write (ctx: Context, method: 'POST' | 'DELETE', path: string, body?: unknown): Promise<number> {
  const query = waitQuery(ctx.flags)
  const client = await ctx.client()
  const result = await client.request<WriteResult>(method, path, { query, body })
  const r = result.rejection
  if (ctx.json) printJson(result)
  else print(`${result.status}  ${result.id}${r === undefined ? '' : `  ${r.code}: ${r.reason}`}`)
  return result.status === 'rejected' ? EXIT.rejected : EXIT.ok
}

/** `/v1/...` with each part URL-encoded. */
export function route (...parts: string[]): string {
  return '/v1/' + parts.map(encodeURIComponent).join('/')
}
