/**
 * The `meshledger` command: argv in, calls, output and an exit code out.
 */
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { isMeshledgerError } from '../errors.js'
import { OPTIONS } from '../daemon/config.js'
import { runDaemon } from './run-daemon.js'

/** Exit codes. */
export const EXIT = { ok: 0, failed: 1, usage: 2, notFound: 3, rejected: 4, unreachable: 5 } as const

/** The project's own data folder: `npm start` runs on it with no configuration. */
export const DEFAULT_DATA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'data')

const DAEMON_HELP = `Usage: meshledger daemon [options]

Run the edge daemon: the ledger in a data folder, replicating with every peer it finds, and a
local HTTP API. Stops cleanly on SIGINT/SIGTERM.

Options (flag, environment, config file key; flags win, then environment, then the file):
${OPTIONS.map((o) => `  --${o.flag}${o.kind === 'boolean' ? '' : ' VALUE'}`.padEnd(26) + `${o.env.padEnd(26)}${o.help}`).join('\n')}
  --config FILE             config file (default: <data>/config.json when present)
  --json                    log JSON lines even on a terminal
  -h, --help                show this help
`

const HELP = `Usage: meshledger <command> [options]

Commands:
  daemon      run the edge daemon (see meshledger daemon --help)

Run meshledger <command> --help for a command's options.
`

/** Run the command line; resolves with the exit code. */
export async function main (argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(HELP)
    return command === undefined ? EXIT.usage : EXIT.ok
  }
  if (command !== 'daemon') {
    process.stderr.write(`meshledger: unknown command ${command}\n\n${HELP}`)
    return EXIT.usage
  }
  let values: Record<string, string | boolean | undefined>
  try {
    const options: Record<string, { type: 'string' | 'boolean', short?: string }> = { config: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }
    for (const o of OPTIONS) options[o.flag] = { type: o.kind === 'boolean' ? 'boolean' : 'string' }
    values = parseArgs({ args: rest, options, allowPositionals: false }).values as Record<string, string | boolean | undefined>
  } catch (err) {
    process.stderr.write(`meshledger daemon: ${(err as Error).message}\n\n${DAEMON_HELP}`)
    return EXIT.usage
  }
  if (values.help === true) {
    process.stdout.write(DAEMON_HELP)
    return EXIT.ok
  }
  try {
    return await runDaemon(values, DEFAULT_DATA)
  } catch (err) {
    process.stderr.write(`meshledger daemon: ${(err as Error).message}\n`)
    if (isMeshledgerError(err, 'INVALID_OPTION') || isMeshledgerError(err, 'INVALID_KEY')) return EXIT.usage
    return EXIT.failed
  }
}
