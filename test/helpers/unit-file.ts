/**
 * The example systemd unit, read the way systemd reads it, for tests that check the daemon lives
 * within it: its `[Service]` settings, and the system calls its `SystemCallFilter=` lines allow,
 * resolved by systemd's own `systemd-analyze syscall-filter` (the groups differ between versions).
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'

/** examples/systemd/meshledger.service. */
export const UNIT = new URL('../../../examples/systemd/meshledger.service', import.meta.url).pathname

/** Every `Key=value` of the unit's `[Service]` section, repeated keys in order. */
export function serviceSettings (file = UNIT): Map<string, string[]> {
  const settings = new Map<string, string[]>()
  let section = ''
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim()
    if (line.startsWith('[')) section = line
    if (section !== '[Service]' || line.startsWith('#') || !line.includes('=')) continue
    const at = line.indexOf('=')
    const key = line.slice(0, at)
    settings.set(key, [...(settings.get(key) ?? []), line.slice(at + 1)])
  }
  return settings
}

/** Every syscall group systemd knows (`@system-service`, ...), as listed, groups not expanded. */
function syscallGroups (): Map<string, string[]> {
  const out = spawnSync('systemd-analyze', ['syscall-filter', '--no-pager'], { encoding: 'utf8' }).stdout
  const groups = new Map<string, string[]>()
  let group: string[] = []
  for (const line of out.split('\n')) {
    if (line.startsWith('@')) groups.set(line.trim(), group = [])
    else if (/^ {4}[@a-z0-9_-]+$/.test(line)) group.push(line.trim())
  }
  return groups
}

/** The system calls the unit's `SystemCallFilter=` lines allow (an allow list, then `~` removals). */
export function allowedSyscalls (settings = serviceSettings()): Set<string> {
  const groups = syscallGroups()
  const expand = (name: string): string[] => name.startsWith('@') ? (groups.get(name) ?? []).flatMap(expand) : [name]
  const allowed = new Set<string>()
  for (const line of settings.get('SystemCallFilter') ?? []) {
    const deny = line.startsWith('~')
    for (const name of (deny ? line.slice(1) : line).split(/\s+/).filter(Boolean).flatMap(expand)) {
      if (deny) allowed.delete(name)
      else allowed.add(name)
    }
  }
  return allowed
}

/** The address families `RestrictAddressFamilies=` allows (`AF_INET`, ...). */
export function allowedFamilies (settings = serviceSettings()): Set<string> {
  return new Set((settings.get('RestrictAddressFamilies') ?? []).flatMap((line) => line.split(/\s+/)))
}
