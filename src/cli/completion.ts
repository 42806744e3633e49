/**
 * Shell completion scripts for bash, zsh and fish, generated from the command table and each
 * command's flags (the same ones help prints and the parser takes), so they cannot drift.
 */
import type { OptionSpec } from './args.js'
import type { Command } from './command.js'
import { optionsOf } from './help.js'

/** The shells a script is made for. */
export const SHELLS = ['bash', 'zsh', 'fish'] as const

/** A shell of {@link SHELLS}. */
export type Shell = typeof SHELLS[number]

/** What is completed after a flag: directories, files, or nothing known. */
function valueKind (o: OptionSpec): 'dir' | 'file' | 'none' {
  if (o.value === 'DIR') return 'dir'
  if (o.value === 'FILE') return 'file'
  return 'none'
}

interface Tree { top: Command[], groups: Map<string, Command[]> }

function tree (commands: Command[]): Tree {
  const groups = new Map<string, Command[]>()
  const top: Command[] = []
  for (const c of commands) {
    const [head, sub] = c.name.split(' ')
    if (sub === undefined) top.push(c)
    else groups.set(head, [...groups.get(head) ?? [], c])
  }
  return { top, groups }
}

function flagsOf (c: Command): string[] {
  return Object.entries(optionsOf(c)).flatMap(([name, o]) => o.short === undefined ? [`--${name}`] : [`--${name}`, `-${o.short}`])
}

/** The completion script for `shell`. */
export function completionScript (shell: Shell, commands: Command[]): string {
  if (shell === 'bash') return bash(commands)
  if (shell === 'zsh') return zsh(commands)
  return fish(commands)
}

function bash (commands: Command[]): string {
  const { top, groups } = tree(commands)
  const firstWords = [...top.map((c) => c.name), ...groups.keys(), 'help', '--help', '--version']
  const dirFlags = new Set<string>()
  const fileFlags = new Set<string>()
  for (const c of commands) {
    for (const [name, o] of Object.entries(optionsOf(c))) {
      if (valueKind(o) === 'dir') dirFlags.add(`--${name}`)
      if (valueKind(o) === 'file') fileFlags.add(`--${name}`).add(o.short === undefined ? `--${name}` : `-${o.short}`)
    }
  }
  const cases = top.map((c) => `    ${c.name}) words="${flagsOf(c).join(' ')}${c.name === 'completion' ? ' bash zsh fish' : ''}" ;;`)
  for (const [group, members] of groups) {
    cases.push(`    ${group})\n      if [[ $COMP_CWORD -eq 2 ]]; then words="${members.map((c) => c.name.split(' ')[1]).join(' ')}"\n      else case "\${COMP_WORDS[2]}" in\n${members.map((c) => `        ${c.name.split(' ')[1]}) words="${flagsOf(c).join(' ')}" ;;`).join('\n')}\n      esac; fi ;;`)
  }
  cases.push(`    help) words="${[...top.map((c) => c.name), ...groups.keys()].join(' ')}" ;;`)
  return `# meshledger completion for bash. Load it with: source <(meshledger completion bash)
_meshledger() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" words=""
  case "$prev" in
    ${[...dirFlags].join('|')}) COMPREPLY=($(compgen -d -- "$cur")); return ;;
    ${[...fileFlags].join('|')}) COMPREPLY=($(compgen -f -- "$cur")); return ;;
  esac
  if [[ $COMP_CWORD -eq 1 ]]; then
    words="${firstWords.join(' ')}"
  else
    case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
    esac
  fi
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _meshledger meshledger
`
}

/** Text inside a zsh single-quoted `_arguments` / `_describe` spec. */
function zq (text: string): string {
  return text.replace(/'/g, `'\\''`).replace(/\[/g, '\\[').replace(/]/g, '\\]')
}

function zshArguments (c: Command): string {
  const specs = Object.entries(optionsOf(c)).map(([name, o]) => {
    const action = o.type === 'boolean' ? '' : `:${o.value ?? 'VALUE'}:${valueKind(o) === 'dir' ? '_files -/' : valueKind(o) === 'file' ? '_files' : ' '}`
    const names = o.short === undefined ? `--${name}` : `(-${o.short} --${name})'{-${o.short},--${name}}'`
    return `'${names}[${zq(o.help)}]${action}'`
  })
  return `_arguments -s ${specs.join(' ')} '*:argument:_default'`
}

function zsh (commands: Command[]): string {
  const { top, groups } = tree(commands)
  const describe = (name: string, list: Array<[string, string]>): string => `local -a ${name}; ${name}=(${list.map(([n, d]) => `'${n}:${zq(d)}'`).join(' ')}); _describe command ${name}`
  const cases = top.map((c) => `    ${c.name}) ${c.name === 'completion' ? '_values shell bash zsh fish' : zshArguments(c)} ;;`)
  for (const [group, members] of groups) {
    cases.push(`    ${group})\n      if (( CURRENT == 2 )); then ${describe('subcommands', members.map((c) => [c.name.split(' ')[1], c.summary]))}; return; fi\n      shift words; (( CURRENT-- ))\n      case $words[1] in\n${members.map((c) => `        ${c.name.split(' ')[1]}) ${zshArguments(c)} ;;`).join('\n')}\n      esac ;;`)
  }
  cases.push(`    help) ${describe('topics', [...top.map((c): [string, string] => [c.name, c.summary]), ...[...groups.keys()].map((g): [string, string] => [g, `${g} subcommands`])])} ;;`)
  return `#compdef meshledger
# meshledger completion for zsh. Load it with: source <(meshledger completion zsh)
# (or save it as _meshledger in a folder of $fpath).
_meshledger() {
  if (( CURRENT == 2 )); then
    ${describe('commands', [...top.map((c): [string, string] => [c.name, c.summary]), ...[...groups.keys()].map((g): [string, string] => [g, `${g} subcommands`]), ['help', 'help on a command']])}
    return
  fi
  shift words; (( CURRENT-- ))
  case $words[1] in
${cases.join('\n')}
  esac
}
compdef _meshledger meshledger
`
}

/** Text inside a fish single-quoted string. */
function fq (text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")
}

function fishOptions (c: Command, condition: string): string[] {
  return Object.entries(optionsOf(c)).map(([name, o]) => {
    const value = o.type === 'boolean' ? '' : valueKind(o) === 'none' ? ' -r' : ' -r -F'
    return `complete -c meshledger -n '${condition}' -l ${name}${o.short === undefined ? '' : ` -s ${o.short}`}${value} -d '${fq(o.help)}'`
  })
}

function fish (commands: Command[]): string {
  const { top, groups } = tree(commands)
  const groupNames = [...groups.keys()].join(' ')
  const lines = ['# meshledger completion for fish. Load it with: meshledger completion fish | source', 'complete -c meshledger -f']
  for (const c of top) lines.push(`complete -c meshledger -n '__fish_use_subcommand' -a ${c.name} -d '${fq(c.summary)}'`)
  for (const g of groups.keys()) lines.push(`complete -c meshledger -n '__fish_use_subcommand' -a ${g} -d '${g} subcommands'`)
  lines.push(`complete -c meshledger -n '__fish_use_subcommand' -a help -d 'help on a command'`)
  for (const c of top) lines.push(...fishOptions(c, `__fish_seen_subcommand_from ${c.name}; and not __fish_seen_subcommand_from ${groupNames}`))
  lines.push(`complete -c meshledger -n '__fish_seen_subcommand_from completion' -a 'bash zsh fish'`)
  for (const [group, members] of groups) {
    const subs = members.map((c) => c.name.split(' ')[1])
    for (const c of members) lines.push(`complete -c meshledger -n '__fish_seen_subcommand_from ${group}; and not __fish_seen_subcommand_from ${subs.join(' ')}' -a ${c.name.split(' ')[1]} -d '${fq(c.summary)}'`)
    for (const c of members) lines.push(...fishOptions(c, `__fish_seen_subcommand_from ${group}; and __fish_seen_subcommand_from ${c.name.split(' ')[1]}`))
  }
  return lines.join('\n') + '\n'
}
