/**
 * `daemon`: run the edge daemon (the work is in run-daemon.ts). Its flags come from the
 * configuration table, so its help lists the environment variable of each.
 */
import { OPTIONS } from '../../daemon/config.js'
import { isMeshledgerError } from '../../errors.js'
import type { OptionSpec } from '../args.js'
import type { Command } from '../command.js'
import { DEFAULT_DATA } from '../constants.js'
import { errorParts, exitCodeOf, UsageError } from '../errors.js'
import { daemonLog, runDaemon } from '../run-daemon.js'

const HELP = `Usage: meshledger daemon [options]

Run the edge daemon: the ledger in a data folder, replicating with every peer it finds, and a
local HTTP API. Stops cleanly on SIGINT/SIGTERM.

Options (flag, environment, config file key; flags win, then environment, then the file):
${OPTIONS.map((o) => `  --${o.flag}${o.kind === 'boolean' ? '' : ' VALUE'}`.padEnd(26) + `${o.env.padEnd(26)}${o.help}`).join('\n')}
  --config FILE           config file (default: <data>/config.json when present)
  --json                  log JSON lines even on a terminal
  -h, --help              show this help
`

const options: Record<string, OptionSpec> = { config: { type: 'string', value: 'FILE', help: 'config file' } }
for (const o of OPTIONS) options[o.flag] = { type: o.kind === 'boolean' ? 'boolean' : 'string', help: o.help }

const daemon: Command = {
  name: 'daemon',
  usage: '',
  summary: 'run the edge daemon (see meshledger daemon --help)',
  help: HELP,
  options,
  async run (ctx) {
    try {
      return await runDaemon(ctx.flags, DEFAULT_DATA)
    } catch (err) {
      if (isMeshledgerError(err, 'INVALID_OPTION') || isMeshledgerError(err, 'INVALID_KEY')) throw new UsageError(err.message, err.code)
      throw err
    }
  },
  // A daemon that cannot start (a bad flag, a busy port, a locked folder) says so in its log's
  // format: a supervisor reading JSON lines (journald) gets one, at priority crit.
  failed (err, argv) {
    if (!argv.includes('--json') && process.stdout.isTTY === true) return undefined
    const { code, message } = errorParts(err)
    daemonLog('fatal', true).fatal('fatal', { code, error: `${code}: ${message}` })
    return exitCodeOf(err)
  }
}

/** The daemon command. */
export const daemonCommands: Command[] = [daemon]
