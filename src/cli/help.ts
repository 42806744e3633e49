/**
 * Help texts, generated from the command table so they cannot drift from what is parsed.
 */
import { COMMON_OPTIONS, WRITE_OPTIONS, type OptionSpec } from './args.js'
import type { Command } from './command.js'

/** Every flag a command takes: its own, the write flags if it writes, then the common ones. */
export function optionsOf (c: Command): Record<string, OptionSpec> {
  return { ...c.options, ...(c.write === true ? WRITE_OPTIONS : {}), ...COMMON_OPTIONS }
}

function optionLines (options: Record<string, OptionSpec>): string[] {
  return Object.entries(options).map(([name, o]) => {
    const flag = `${o.short === undefined ? '    ' : `-${o.short}, `}--${name}${o.type === 'string' ? ' ' + (o.value ?? 'VALUE') : ''}`
    return `  ${flag.padEnd(24)}${o.help}`
  })
}

/** The `--help` text of one command. */
export function commandHelp (c: Command): string {
  if (c.help !== undefined) return c.help
  const lines = [`Usage: meshledger ${c.name}${c.usage === '' ? '' : ' ' + c.usage} [options]`, '', c.summary[0].toUpperCase() + c.summary.slice(1) + '.']
  if (c.description !== undefined) lines.push('', c.description)
  lines.push('', 'Options:', ...optionLines(optionsOf(c)))
  return lines.join('\n') + '\n'
}

function commandList (commands: Command[]): string[] {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2
  return commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`)
}

/** The top-level help text. */
export function mainHelp (commands: Command[]): string {
  return [
    'Usage: meshledger <command> [arguments] [options]',
    '',
    'A local-first peer-to-peer ledger. Commands talk to the daemon serving the data folder when',
    'one runs (<data>/daemon.json), else open the folder\'s storage themselves.',
    '',
    'Commands:',
    ...commandList(commands),
    '',
    'Options every command takes:',
    ...optionLines(COMMON_OPTIONS),
    '',
    'Writes also take --wait confirmed (answer once the entry is final) and --timeout MS.',
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 rejected input, 5 daemon unreachable,',
    '6 verify found damage, 7 storage full, 8 the storage folder is damaged (STORAGE_DAMAGED).',
    'Run meshledger <command> --help for a command\'s arguments and options.',
    ''
  ].join('\n')
}

/** The help text of a command group such as `asset`. */
export function groupHelp (group: string, commands: Command[]): string {
  return [`Usage: meshledger ${group} <subcommand> [arguments] [options]`, '', 'Subcommands:', ...commandList(commands), '', `Run meshledger ${group} <subcommand> --help for its options.`, ''].join('\n')
}
