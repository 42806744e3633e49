/**
 * The ledger itself: `init`, `status`, `peers`, `members`, `add-member`, `remove-member`,
 * `activate-protocol`.
 */
import { choice } from '../args.js'
import { CliError, UsageError } from '../errors.js'
import { route, write, type Command } from '../command.js'
import type { Client } from '../client.js'
import { connectedDevices, type PeerInfo } from '../devices.js'
import { clip, iso, print, printFields, printJson, printTable } from '../output.js'
import { Progress } from '../progress.js'

interface Status {
  ledger: string
  device: string
  mode: string
  writable: boolean
  indexer: boolean
  peers: PeerInfo[]
  appended: { entries: number, blocks: number }
  view: { length: number, signedLength: number }
  writers: Array<{ key: string, length: number, remoteLength: number, lag: number }>
  viewCheck: { confirmedLength: number, peers: number, agreeing: number, mismatched: string[], unchecked: number }
  protocol: { active: number, known: number }
  /** What the daemon cannot fix by itself (a missing encryption key), each `CODE: text` with the fix. */
  problems: Array<{ code: string, message: string }>
}

/** `1234 blocks, matches 2 of 2 peers`, naming the peers whose confirmed history differs. */
function confirmedView (v: Status['viewCheck']): string {
  const head = `${v.confirmedLength} blocks`
  if (v.peers === 0) return `${head}, no peer to compare with`
  let line = `${head}, matches ${v.agreeing} of ${v.peers} peer${v.peers === 1 ? '' : 's'}`
  if (v.unchecked > 0) line += ` (${v.unchecked} not comparable yet)`
  if (v.mismatched.length > 0) line += `; DIFFERS from ${v.mismatched.join(', ')}`
  return line
}

/**
 * A peer's view check in a table cell: `match`, `match (behind at 12)`, `mismatch`, ...
 * `unreadable here` when this device cannot decrypt the ledger: its empty view differs from everyone's.
 */
function peerView (v: PeerInfo['view'], unreadable: boolean): string {
  if (v == null) return '-'
  if (unreadable && v.result !== 'match') return 'unreadable here'
  const result = v.result === 'other-indexer-set' ? 'other indexers' : v.result
  return v.position === 'equal' || v.result === 'ahead' ? result : `${result} (${v.position} at ${v.length})`
}

const init: Command = {
  name: 'init',
  usage: '',
  summary: 'create the ledger in the data folder (to join one: meshledger join)',
  description: 'Creates the ledger in the data folder without starting the daemon, or with --key joins an\nexisting ledger by its key alone: without its encryption key (meshledger daemon\n--encryption-key) such a device reads nothing, so join with an invite instead. Prints the\nledger key and this device\'s key. On a folder that already holds the ledger, prints its keys.',
  options: { key: { type: 'string', value: 'KEY', help: 'join the ledger with this key (z32 or hex)' } },
  async run (ctx) {
    const { normalizeKey } = await import('../../keys.js')
    const key = typeof ctx.flags.key === 'string' ? normalizeKey(ctx.flags.key, 'ledger key') : undefined
    const client = await ctx.client({ create: true, key })
    const running = client.via === 'daemon'
    const s = await client.request<Status>('GET', '/v1/status')
    if (key !== undefined && running && s.ledger !== key) {
      throw new CliError('LEDGER_MISMATCH', `the daemon on ${ctx.data} serves ledger ${s.ledger}, not ${key}`)
    }
    const out = { mode: s.mode, ledger: s.ledger, device: s.device, writable: s.writable, data: ctx.data }
    if (ctx.json) printJson(out)
    else printFields([['mode', s.mode], ['ledger', s.ledger], ['device', s.device], ['writable', s.writable], ['data', ctx.data]])
  }
}

const status: Command = {
  name: 'status',
  usage: '',
  summary: 'keys, role, view length and sync progress of this device',
  description: 'With --watch, first waits until this device holds every block its peers have of each\nmember log (a progress line on a terminal, with an ETA), then prints the status.',
  options: { watch: { type: 'boolean', help: 'wait until synced with the peers (needs a running daemon)' } },
  async run (ctx) {
    const client = await ctx.client()
    if (ctx.flags.watch === true) {
      if (client.via !== 'daemon') throw new CliError('DAEMON_UNREACHABLE', `status --watch follows a running daemon; none serves ${ctx.data}`)
      await synced(client)
    }
    const s = await client.request<Status>('GET', '/v1/status')
    const { peerFigures } = await import('../../net/peer-figures.js')
    const figures = peerFigures(s.peers as Parameters<typeof peerFigures>[0])
    if (ctx.json) return printJson({ ...s, devices: figures.devices })
    const links = Object.entries(figures.connections).filter(([, n]) => n > 0).map(([via, n]) => `${n} ${via}`)
    printFields([
      ...s.problems.map((p): [string, string] => ['PROBLEM', p.message]),
      ['ledger', s.ledger],
      ['device', s.device],
      ['mode', s.mode],
      ['writable', s.writable],
      ['indexer', s.indexer],
      ['protocol', `${s.protocol.active} active, ${s.protocol.known} known here${s.protocol.active > s.protocol.known ? ' (UPGRADE REQUIRED)' : ''}`],
      ['via', client.via === 'daemon' ? `daemon at ${client.url}` : 'local storage (no daemon running)'],
      ['peers', `${figures.devices} device${figures.devices === 1 ? '' : 's'}${s.peers.length === 0 ? '' : ` (${plural(s.peers.length, 'connection')}: ${links.join(', ')})`}`],
      ['view', `${s.view.length} blocks, ${s.view.signedLength} confirmed`],
      ['confirmed view', confirmedView(s.viewCheck)],
      ['appended', `${s.appended.entries} entries in ${s.appended.blocks} blocks since start`],
      ['writers', s.writers.length],
      ['lagging', s.writers.filter((w) => w.lag > 0).length]
    ])
  }
}

/** Poll the status every second until no member log lags, drawing the progress. */
async function synced (client: Client): Promise<void> {
  const progress = new Progress('synced', 'blocks')
  let base: number | null = null
  while (true) {
    const s = await client.request<Status>('GET', '/v1/status')
    const have = s.writers.reduce((n, w) => n + w.length, 0)
    const total = s.writers.reduce((n, w) => n + Math.max(w.length, w.remoteLength), 0)
    base ??= have
    const note = `${plural(s.writers.length, 'log')}, ${plural(new Set(s.peers.map((p) => p.publicKey)).size, 'device')}`
    // The share of what was missing at the start that has arrived since: the ETA's rate.
    progress.update(have, total, note, total > base ? (have - base) / (total - base) : undefined)
    if (have >= total && s.peers.length > 0) break
    await new Promise((resolve) => setTimeout(resolve, 1000))
  }
  progress.finish('in sync')
}

const peers: Command = {
  name: 'peers',
  usage: '',
  summary: 'connected devices (and how: dht, lan, direct) and per-writer sync progress',
  description: 'One line per device, however many connections reach it (over the LAN and the DHT, say).\nDEVICE is its device key when the ledger knows which member the swarm key belongs to.\n--json adds "devices": [{ device, swarmKey, connections }] to the API\'s "peers".',
  async run (ctx) {
    const client = await ctx.client()
    const p = await client.request<{ peers: Status['peers'], writers: Status['writers'] }>('GET', '/v1/peers')
    const { members } = await client.request<{ members: Array<{ key: string, swarmKey?: string }> }>('GET', '/v1/members', { query: { all: true } })
    const devices = await connectedDevices(p.peers, members)
    if (ctx.json) return printJson({ ...p, devices })
    // A view that differs from every peer's may be one this device cannot read at all.
    const differs = p.peers.some((x) => x.view != null && x.view.result !== 'match')
    const problems = differs ? (await client.request<Status>('GET', '/v1/status')).problems : []
    const unreadable = problems.some((x) => x.code === 'ENCRYPTION_KEY_REQUIRED')
    for (const x of problems) print(`PROBLEM: ${x.message}\n`)
    printTable(
      ['DEVICE', 'SWARM KEY', 'VIA', 'ADDRESS', 'CONNECTED', 'DIALLED', 'CONFIRMED VIEW'],
      devices.map((d) => {
        const c = d.connections
        return [d.device ?? '(not a member)', clip(d.swarmKey, 12), c.map((x) => x.via).join('+'), c.map((x) => x.address ?? '-').join(' '),
          iso(Math.min(...c.map((x) => x.connectedAt))), c.map((x) => x.initiator ? 'yes' : 'no').join('+'), peerView(c[0].view, unreadable)]
      }),
      'no peers connected'
    )
    print('')
    printTable(['WRITER', 'LENGTH', 'REMOTE', 'LAG'], p.writers.map((w) => [w.key, w.length, w.remoteLength, w.lag]), 'no writers')
  }
}

const members: Command = {
  name: 'members',
  usage: '',
  summary: 'members of the ledger and their roles',
  options: { all: { type: 'boolean', help: 'list removed members too' } },
  async run (ctx) {
    const client = await ctx.client()
    const m = await client.request<{ members: Array<Record<string, string | undefined>> }>('GET', '/v1/members', { query: { all: ctx.flags.all === true } })
    if (ctx.json) return printJson(m)
    const removed = ctx.flags.all === true
    printTable(
      ['KEY', 'ROLE', 'ADDED BY', ...(removed ? ['REMOVED BY'] : [])],
      m.members.map((x) => [x.key, x.quarantined !== undefined ? `${x.role ?? ''} (quarantined)` : x.role, x.addedBy === x.key ? '(itself)' : clip(x.addedBy ?? '-', 12), ...(removed ? [x.removedBy === undefined ? '-' : clip(x.removedBy, 12)] : [])]),
      'no members'
    )
  }
}

const addMember: Command = {
  name: 'add-member',
  usage: '<key>',
  summary: 'add a device as a writer or indexer (indexers only)',
  description: 'Adding an existing member with another role promotes or demotes it.',
  options: { role: { type: 'string', value: 'ROLE', help: 'writer (default) or indexer' } },
  write: true,
  async run (ctx) {
    const role = ctx.flags.role ?? 'writer'
    choice(String(role), ['writer', 'indexer'], '--role')
    return await write(ctx, 'POST', route('members'), { key: ctx.args[0], role })
  }
}

const removeMember: Command = {
  name: 'remove-member',
  usage: '<key>',
  summary: 'remove a device from the ledger (indexers only)',
  write: true,
  async run (ctx) {
    return await write(ctx, 'DELETE', route('members', ctx.args[0]))
  }
}

const activateProtocol: Command = {
  name: 'activate-protocol',
  usage: '<version>',
  summary: 'activate a newer protocol on the ledger (indexers only)',
  description: 'Upgrade meshledger on every device first: once this is applied, a device still running\nolder code stops with UPGRADE_REQUIRED until it is upgraded. `status` shows the active protocol.',
  write: true,
  async run (ctx) {
    const version = Number(ctx.args[0])
    if (!Number.isSafeInteger(version) || version < 1) throw new UsageError(`<version>: expected a protocol number, not ${JSON.stringify(ctx.args[0])}`)
    return await write(ctx, 'POST', route('protocol'), { version })
  }
}

function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The ledger commands. */
export const ledgerCommands: Command[] = [init, status, peers, members, addMember, removeMember, activateProtocol]
