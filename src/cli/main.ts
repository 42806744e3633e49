/**
 * The `meshledger` command: argv in, calls, output and an exit code out. Only the command table
 * and the help are loaded up front; a command loads the client (and with it the daemon and the
 * ledger) when it runs, so `--help`, `--version` and `completion` start in a few tens of ms.
 */
import { didYouMean } from '../suggest.js'
import { parse } from './args.js'
import type { Client } from './client.js'
import type { Command, Context } from './command.js'
import { assetCommands } from './commands/assets.js'
import { completionCommands } from './commands/completion.js'
import { daemonCommands } from './commands/daemon.js'
import { dashboardCommands } from './commands/dashboard.js'
import { entryCommands } from './commands/entries.js'
import { exportCommands } from './commands/export.js'
import { ledgerCommands } from './commands/ledger.js'
import { moneyCommands } from './commands/money.js'
import { networkCommands } from './commands/network.js'
import { receiptCommands } from './commands/receipts.js'
import { ruleCommands } from './commands/rules.js'
import { trustCommands } from './commands/trust.js'
import { verifyCommands } from './commands/verify.js'
import { dataFolder, EXIT, printVersion } from './constants.js'
import { reportError, UsageError } from './errors.js'
import { commandHelp, groupHelp, mainHelp, optionsOf } from './help.js'

export { EXIT, DEFAULT_DATA } from './constants.js'

/** Every command, in the order the help lists them. A new command file adds its array here. */
export const COMMANDS: Command[] = [
  ...ledgerCommands.slice(0, 1), ...daemonCommands, ...dashboardCommands, ...networkCommands, ...ledgerCommands.slice(1),
  ...trustCommands, ...entryCommands, ...exportCommands, ...receiptCommands, ...verifyCommands, ...moneyCommands, ...assetCommands, ...ruleCommands,
  ...completionCommands
]

/** Words that start a two-word command (`asset register`). */
const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]))

/** The top-level help text. */
export const HELP = mainHelp(COMMANDS)

/** Run the command line; resolves with the exit code. */
export async function main (argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h') {
    process.stdout.write(HELP)
    return first === undefined ? EXIT.usage : EXIT.ok
  }
  if (first === '--version' || first === '-V') return printVersion(rest.includes('--json'))
  const json = argv.includes('--json')
  // `help <command>` is `<command> --help`.
  const words = first === 'help' ? rest.filter((a) => !a.startsWith('-')) : argv
  const asHelp = first === 'help'
  if (asHelp && words.length === 0) {
    process.stdout.write(HELP)
    return EXIT.ok
  }
  const [head, sub] = words
  if (GROUPS.has(head)) {
    const members = COMMANDS.filter((c) => c.name.startsWith(head + ' '))
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(groupHelp(head, members))
      return sub === undefined && !asHelp ? EXIT.usage : EXIT.ok
    }
    const command = members.find((c) => c.name === `${head} ${sub}`)
    if (command === undefined) return unknown(`${head} ${sub}`, members.map((c) => c.name.split(' ')[1]), sub, json)
    return asHelp ? showHelp(command) : await run(command, words.slice(2))
  }
  const command = COMMANDS.find((c) => c.name === head)
  if (command === undefined) return unknown(head, [...new Set(COMMANDS.map((c) => c.name.split(' ')[0]))], head, json)
  return asHelp ? showHelp(command) : await run(command, words.slice(1))
}

function showHelp (command: Command): number {
  process.stdout.write(commandHelp(command))
  return EXIT.ok
}

function unknown (name: string, known: string[], word: string, json: boolean): number {
  const err = new UsageError(`unknown command "${name}"${didYouMean(word, known)}; meshledger --help lists the commands`)
  reportError('', err, json)
  return EXIT.usage
}

async function run (command: Command, argv: string[]): Promise<number> {
  let client: Client | null = null
  let json = argv.includes('--json')
  try {
    const { positionals, flags } = parse(argv, optionsOf(command), command.usage)
    json = flags.json === true
    if (flags.help === true) return showHelp(command)
    const data = dataFolder(flags.data)
    const ctx: Context = {
      args: positionals,
      flags,
      json,
      data,
      commands: COMMANDS,
      async client (options) {
        const { connect } = await import('./client.js')
        client ??= await connect(data, options)
        return client
      }
    }
    return (await command.run(ctx)) ?? EXIT.ok
  } catch (err) {
    const reported = await command.failed?.(err, argv)
    if (reported !== undefined) return reported
    return reportError(command.name, err, json)
  } finally {
    // TS narrows `client` to null here (it is assigned inside a callback)
    const open = client as Client | null
    if (open !== null) await open.close().catch((err: unknown) => reportError(command.name, err, json))
  }
}
