/**
 * The `meshledger` command: argv in, calls, output and an exit code out.
 */
import { parse } from './args.js'
import { connect, dataFolder, type Client } from './client.js'
import type { Command, Context } from './command.js'
import { assetCommands } from './commands/assets.js'
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
import { EXIT } from './constants.js'
import { errorLine, exitCodeOf } from './errors.js'
import { commandHelp, groupHelp, mainHelp, optionsOf } from './help.js'

export { EXIT, DEFAULT_DATA } from './constants.js'

/** Every command, in the order the help lists them. */
export const COMMANDS: Command[] = [
  ...ledgerCommands.slice(0, 1), ...daemonCommands, ...dashboardCommands, ...networkCommands, ...ledgerCommands.slice(1),
  ...trustCommands, ...entryCommands, ...exportCommands, ...receiptCommands, ...verifyCommands, ...moneyCommands, ...assetCommands, ...ruleCommands
]

/** Words that start a two-word command (`asset register`). */
const GROUPS = new Set(COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]))

/** The top-level help text. */
export const HELP = mainHelp(COMMANDS)

/** Run the command line; resolves with the exit code. */
export async function main (argv: string[]): Promise<number> {
  const [first, ...rest] = argv
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(HELP)
    return first === undefined ? EXIT.usage : EXIT.ok
  }
  let name = first
  let args = rest
  if (GROUPS.has(first)) {
    const members = COMMANDS.filter((c) => c.name.startsWith(first + ' '))
    const [sub, ...subRest] = rest
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(groupHelp(first, members))
      return sub === undefined ? EXIT.usage : EXIT.ok
    }
    name = `${first} ${sub}`
    args = subRest
  }
  const command = COMMANDS.find((c) => c.name === name)
  if (command === undefined) {
    process.stderr.write(`meshledger: USAGE: unknown command ${name}\n\n${HELP}`)
    return EXIT.usage
  }
  return await run(command, args)
}

async function run (command: Command, argv: string[]): Promise<number> {
  let client: Client | null = null
  try {
    const { positionals, flags } = parse(argv, optionsOf(command), command.usage)
    if (flags.help === true) {
      process.stdout.write(commandHelp(command))
      return EXIT.ok
    }
    const data = dataFolder(flags.data)
    const ctx: Context = {
      args: positionals,
      flags,
      json: flags.json === true,
      data,
      async client (options) {
        client ??= await connect(data, options)
        return client
      }
    }
    return (await command.run(ctx)) ?? EXIT.ok
  } catch (err) {
    const reported = command.failed?.(err, argv)
    if (reported !== undefined) return reported
    const code = exitCodeOf(err)
    process.stderr.write(errorLine(command.name, err) + (code === EXIT.usage ? ` (see meshledger ${command.name} --help)` : '') + '\n')
    return code
  } finally {
    // TS narrows `client` to null here (it is assigned inside a callback)
    const open = client as Client | null
    if (open !== null) await open.close().catch((err: unknown) => process.stderr.write(errorLine(command.name, err) + '\n'))
  }
}
