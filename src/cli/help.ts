/**
 * Help texts, generated from the command table so they cannot drift from what is parsed.
 */
import { COMMON_OPTIONS, WRITE_OPTIONS, type OptionSpec } from './args.js'
import type { Command } from './command.js'

/** Every flag a command takes: its own, the write flags if it writes, then the common ones. */
export function optionsOf (c: Command): Record<string, OptionSpec> {
  const common = c.data === false ? Object.fromEntries(Object.entries(COMMON_OPTIONS).filter(([name]) => name !== 'data')) : COMMON_OPTIONS
  return { ...c.options, ...(c.write === true ? WRITE_OPTIONS : {}), ...common }
}

/**
 * Rows as aligned columns, two spaces apart, each column as wide as its widest cell (at least
 * `min` for the first, so short tables line up with the rest); the last column is not padded.
 */
export function columns (rows: string[][], min = 0): string[] {
  const widths = rows[0]?.map((_, i) => Math.max(i === 0 ? min : 0, ...rows.map((r) => r[i].length))) ?? []
  return rows.map((r) => '  ' + r.map((cell, i) => i === r.length - 1 ? cell : cell.padEnd(widths[i])).join('  '))
}

/** `-h, --help`, `    --data DIR`: a flag as help shows it. */
export function flagText (name: string, o: OptionSpec): string {
  return `${o.short === undefined ? '    ' : `-${o.short}, `}--${name}${o.type === 'string' ? ' ' + (o.value ?? 'VALUE') : ''}`
}

function optionLines (options: Record<string, OptionSpec>): string[] {
  return columns(Object.entries(options).map(([name, o]) => [flagText(name, o), o.help]), 22)
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
  return columns(commands.map((c) => [c.name, c.summary]))
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
    'meshledger --version (or -V) prints the version.',
    'Writes also take --wait confirmed (answer once the entry is final) and --timeout DURATION.',
    'Durations are 500ms, 30s, 5m, 1h or 7d (plain digits: ms); times are ms since the epoch or',
    'ISO 8601. With --json an error is one JSON line on stderr: {"error":{"code","message"}}.',
    'Exit codes: 0 ok, 1 failure, 2 usage, 3 not found, 4 rejected input, 5 daemon unreachable,',
    '6 verify found damage, 7 storage full, 8 the storage folder is damaged (STORAGE_DAMAGED).',
    'Run meshledger help <command> (or meshledger <command> --help) for its arguments and options,',
    'meshledger completion bash|zsh|fish for shell completion.',
    ''
  ].join('\n')
}

/** The help text of a command group such as `asset`. */
export function groupHelp (group: string, commands: Command[]): string {
  return [`Usage: meshledger ${group} <subcommand> [arguments] [options]`, '', 'Subcommands:', ...commandList(commands), '', `Run meshledger ${group} <subcommand> --help for its options.`, ''].join('\n')
}
