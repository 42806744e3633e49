/**
 * Who may join: `invite`, `invites`, `revoke-invite`, `join`, `quarantine`, `release`, `forks`.
 */
import path from 'node:path'
import { choice, duration, number } from '../args.js'
import { route, write, type Command } from '../command.js'
import { DEFAULT_DATA } from '../constants.js'
import { clip, iso, print, printFields, printJson, printTable } from '../output.js'

/** The daemon's network settings, from `/v1/status`. */
interface Network { bootstrap: string[] | null, dhtHost: string | null }

/**
 * The flags a new device needs to pair over the DHT this daemon uses: its bootstrap nodes, and its
 * DHT address when that is loopback (a one-machine network: the new device must bind it too; any
 * other address is this machine's own, of no use on another).
 */
function joinFlags ({ bootstrap, dhtHost }: Network): string {
  let flags = bootstrap === null || bootstrap.length === 0 ? '' : ` --bootstrap ${bootstrap.join(',')}`
  if (dhtHost !== null && isLoopback(dhtHost)) flags += ` --dht-host ${dhtHost}`
  return flags
}

function isLoopback (host: string): boolean {
  return host === '::1' || host === 'localhost' || host.startsWith('127.')
}

interface InviteInfo { id: string, role: string, expires: number, uses: number, used: number, revokedBy?: string, admitted?: string[] }

const invite: Command = {
  name: 'invite',
  usage: '',
  summary: 'invite a device: prints a code to use with meshledger join (indexers only)',
  description: 'The ledger records the invite (not its secret); any online indexer admits the device that\nuses the code. Single-use and valid for an hour unless told otherwise.',
  options: {
    role: { type: 'string', value: 'ROLE', help: 'writer (default), indexer or reader' },
    expires: { type: 'string', value: 'DURATION', help: 'how long it is valid: 30m, 1h (default), 7d; plain digits: ms' },
    uses: { type: 'string', value: 'N', help: 'how many devices it admits (default 1)' },
    qr: { type: 'boolean', help: 'also print the code as a QR code, to scan on the new device' }
  },
  async run (ctx) {
    const role = typeof ctx.flags.role === 'string' ? ctx.flags.role : 'writer'
    choice(role, ['writer', 'indexer', 'reader'], '--role')
    const body = {
      role,
      expires: typeof ctx.flags.expires === 'string' ? duration(ctx.flags.expires, '--expires') : undefined,
      uses: typeof ctx.flags.uses === 'string' ? number(ctx.flags.uses, '--uses') : undefined
    }
    const client = await ctx.client()
    const result = await client.request<{ code: string, id: string, expires: number, role: string }>('POST', '/v1/invites', { body })
    if (ctx.json) return printJson(result)
    const { network } = await client.request<{ network: Network }>('GET', '/v1/status')
    printFields([['invite', result.code], ['role', result.role], ['expires', iso(result.expires)], ['id', result.id]])
    if (ctx.flags.qr === true) {
      const { qrLines } = await import('../qr.js')
      print('', ...qrLines(result.code, { color: process.stdout.isTTY === true }))
    }
    print('', `On the new device: meshledger join <invite> --data DIR${joinFlags(network)}`, 'then start its daemon: meshledger daemon --data DIR')
  }
}

const invites: Command = {
  name: 'invites',
  usage: '',
  summary: 'invites on the ledger, their uses and whom they admitted',
  async run (ctx) {
    const client = await ctx.client()
    const { invites: list } = await client.request<{ invites: InviteInfo[] }>('GET', '/v1/invites')
    if (ctx.json) return printJson({ invites: list })
    printTable(['ID', 'ROLE', 'USED', 'EXPIRES', 'STATE'], list.map((i) => [
      clip(i.id, 16), i.role, `${i.used}/${i.uses}`, iso(i.expires),
      i.revokedBy !== undefined ? 'revoked' : i.used >= i.uses ? 'used' : i.expires !== 0 && i.expires <= Date.now() ? 'expired' : 'open'
    ]), 'no invites')
  }
}

const revokeInvite: Command = {
  name: 'revoke-invite',
  usage: '<id>',
  summary: 'end an invite before it expires or is used up (indexers only)',
  write: true,
  run: async (ctx) => write(ctx, 'DELETE', route('invites', ctx.args[0]))
}

const joinCommand: Command = {
  name: 'join',
  usage: '<invite>',
  summary: 'join a ledger with an invite code from meshledger invite',
  description: 'Pairs with an online indexer of the ledger (over the DHT: give --bootstrap for a network of\nyour own), receives the ledger and encryption keys, and sets up the data folder. --bootstrap\nand --dht-host are saved in the folder\'s config.json, so the daemon started on the folder\nafterwards uses them.',
  options: {
    bootstrap: { type: 'string', value: 'LIST', help: 'DHT bootstrap nodes, host:port[,host:port]' },
    'dht-host': { type: 'string', value: 'IP', help: 'address the DHT binds' },
    timeout: { type: 'string', value: 'DURATION', help: 'how long to wait for an indexer (default 30s; plain digits: ms)' }
  },
  async run (ctx) {
    const [{ resolveConfig }, { join }, { saveToConfig }] = await Promise.all([import('../../daemon/config.js'), import('../../join.js'), import('../saved-config.js')])
    const config = await resolveConfig({ data: ctx.data, bootstrap: ctx.flags.bootstrap as string | undefined, 'dht-host': ctx.flags['dht-host'] as string | undefined }, process.env, DEFAULT_DATA)
    const ledger = await join(ctx.args[0], {
      storage: path.join(config.data, 'store'),
      bootstrap: config.bootstrap ?? undefined,
      dhtHost: config.dhtHost ?? undefined,
      timeout: typeof ctx.flags.timeout === 'string' ? duration(ctx.flags.timeout, '--timeout') : undefined
    })
    const out = { ledger: ledger.key, device: ledger.deviceKey, data: config.data }
    await ledger.close()
    // The daemon started on the folder must pair and replicate over the same DHT.
    const network = { bootstrap: config.bootstrap ?? undefined, dhtHost: config.dhtHost ?? undefined }
    const saved = network.bootstrap === undefined && network.dhtHost === undefined ? null : await saveToConfig(config.data, network)
    if (ctx.json) return printJson({ ...out, ...(saved === null ? {} : { config: saved }) })
    printFields([['joined', out.ledger], ['device', out.device], ['data', out.data], ['config', saved === null ? undefined : `${saved} (the DHT settings, for the daemon)`]])
    print('', `Start its daemon: meshledger daemon --data ${out.data}`)
  }
}

function quarantineCommand (hold: boolean): Command {
  return {
    name: hold ? 'quarantine' : 'release',
    usage: '<key>',
    summary: hold ? 'hold a device\'s new entries for review (indexers only)' : 'apply a quarantined device\'s held entries and lift the quarantine',
    options: hold ? { reason: { type: 'string', value: 'TEXT', help: 'why, for the record' } } : {},
    write: true,
    async run (ctx) {
      const { normalizeKey } = await import('../../keys.js')
      return await write(ctx, 'POST', route('members', normalizeKey(ctx.args[0], 'device key'), hold ? 'quarantine' : 'release'), hold ? { reason: ctx.flags.reason } : {})
    }
  }
}

interface ForkInfo { key: string, reportedBy: string, at: string, length: number }

const forks: Command = {
  name: 'forks',
  usage: '',
  summary: 'devices proven to have signed two histories of their log (quarantined for good)',
  description: 'A fork means a device\'s data folder was copied (a restored backup, a cloned disk) and both\ncopies wrote. Peers that meet both histories record the signed evidence; --json prints it.\nRemove the device, and join each copy again from a fresh folder.',
  async run (ctx) {
    const client = await ctx.client()
    const { forks: list } = await client.request<{ forks: ForkInfo[] }>('GET', '/v1/forks')
    if (ctx.json) return printJson({ forks: list })
    printTable(['DEVICE', 'AT LENGTH', 'REPORTED BY', 'ENTRY'], list.map((f) => [f.key, f.length, clip(f.reportedBy, 12), f.at]), 'no forks')
  }
}

/** The trust commands. */
export const trustCommands: Command[] = [invite, invites, revokeInvite, joinCommand, quarantineCommand(true), quarantineCommand(false), forks]
