/**
 * The daemon's Node.js flags (src/daemon/node-flags.ts) are the ones `npm start` and the systemd
 * unit give it, and they do what they are there for: the young generation stays small.
 */
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import test from 'brittle'
import { DAEMON_NODE_FLAGS } from '../src/daemon/node-flags.js'
import { serviceSettings } from './helpers/unit-file.js'

const PACKAGE = new URL('../../package.json', import.meta.url)

/** The words of a command line before the daemon's script. */
function nodeFlags (command: string): string[] {
  const words = command.trim().split(/\s+/)
  return words.slice(1, words.findIndex((w) => w.endsWith('meshledger.js')))
}

test('npm start and the systemd unit run node with the daemon\'s flags', (t) => {
  const { scripts } = JSON.parse(readFileSync(PACKAGE, 'utf8')) as { scripts: Record<string, string> }
  const unit = serviceSettings().get('ExecStart') ?? []
  t.is(unit.length, 1, 'one ExecStart')
  for (const [where, command] of [['npm start', scripts.start], ['ExecStart', unit[0]]] as const) {
    const flags = nodeFlags(command)
    for (const flag of DAEMON_NODE_FLAGS) t.ok(flags.includes(flag), `${where} has ${flag}`)
  }
})

test('with the flags, V8\'s young generation stays at 2 MB a semi-space while a module-sized heap is built', (t) => {
  // What a start does to the young generation: many objects that live on.
  const script = "const keep = []; for (let i = 0; i < 2e6; i++) keep.push({ i }); console.log(require('v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size)"
  const size = (flags: readonly string[]): number => Number(spawnSync(process.execPath, [...flags, '-e', script], { encoding: 'utf8' }).stdout.trim())
  const tuned = size(DAEMON_NODE_FLAGS)
  const left = size([])
  t.ok(tuned <= 3 * 2 * 1024 * 1024, `new space ${tuned} bytes with the flags`)
  t.ok(left > tuned, `${left} bytes without them`)
})
