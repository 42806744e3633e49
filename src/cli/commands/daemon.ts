/**
 * `daemon`: run the edge daemon (the work is in run-daemon.ts). Its flags come from the
 * configuration table, so its help lists the environment variable of each.
 */
import { OPTIONS } from '../../daemon/options.js'
import { isMeshledgerError } from '../../errors.js'
import type { OptionSpec } from '../args.js'
import type { Command } from '../command.js'
import { columns, flagText } from '../help.js'
import { DEFAULT_DATA } from '../constants.js'
import { errorParts, exitCodeOf, UsageError } from '../errors.js'

const options: Record<string, OptionSpec> = { config: { type: 'string', value: 'FILE', help: 'config file (default: <data>/config.json when present)' } }
for (const o of OPTIONS) options[o.flag] = o.kind === 'boolean' ? { type: 'boolean', help: o.help } : { type: 'string', value: o.value, help: o.help }

const HELP = `Usage: meshledger daemon [options]

Run the edge daemon: the ledger in a data folder, replicating with every peer it finds, and a
local HTTP API. Stops cleanly on SIGINT/SIGTERM.

Options (flag, environment variable). Flags win, then the environment, then the config file: a
JSON object keyed by flag name or camelCase ({"port": 4738, "cache-size": 1024}); unknown keys
are refused. Durations take 500ms, 30s, 5m (plain digits: ms); booleans true/false/1/0/yes/no.
${columns([
  ...OPTIONS.map((o) => [flagText(o.flag, options[o.flag]).trim(), o.env, o.help]),
  ['--config FILE', '', 'config file (default: <data>/config.json when present)'],
  ['--json', '', 'log JSON lines even on a terminal'],
  ['-h, --help', '', 'show this help']
]).join('\n')}
`

const daemon: Command = {
  name: 'daemon',
  usage: '',
  summary: 'run the edge daemon (see meshledger daemon --help)',
  help: HELP,
  options,
  async run (ctx) {
    const { runDaemon } = await import('../run-daemon.js')
    try {
      return await runDaemon(ctx.flags, DEFAULT_DATA)
    } catch (err) {
      if (isMeshledgerError(err, 'INVALID_OPTION') || isMeshledgerError(err, 'INVALID_KEY')) throw new UsageError(err.message, err.code)
      throw err
    }
  },
  // A daemon that cannot start (a bad flag, a busy port, a locked folder) says so in its log's
  // format: a supervisor reading JSON lines (journald) gets one, at priority crit.
  async failed (err, argv) {
    if (!argv.includes('--json') && process.stdout.isTTY === true) return undefined
    const { code, message } = errorParts(err)
    const { daemonLog } = await import('../run-daemon.js')
    daemonLog('fatal', true).fatal('fatal', { code, error: `${code}: ${message}` })
    return exitCodeOf(err)
  }
}

/** The daemon command. */
export const daemonCommands: Command[] = [daemon]
