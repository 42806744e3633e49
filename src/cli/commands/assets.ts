/**
 * Assets: `asset register`, `asset transfer`, `asset event`, `asset history`.
 */
import { json } from '../args.js'
import { route, write, type Command } from '../command.js'
import { clip, iso, printJson, printTable, text } from '../output.js'

const register: Command = {
  name: 'asset register',
  usage: '<id> <kind> [json-attributes]',
  summary: 'register an asset, owned by this device',
  write: true,
  async run (ctx) {
    const [id, kind, attributes] = ctx.args
    return await write(ctx, 'POST', route('assets'), { id, kind, attributes: attributes === undefined ? undefined : json(attributes, 'json-attributes') })
  }
}

const transfer: Command = {
  name: 'asset transfer',
  usage: '<id> <to>',
  summary: 'hand an asset this device owns to another device',
  write: true,
  async run (ctx) {
    const [id, to] = ctx.args
    return await write(ctx, 'POST', route('assets', id, 'transfer'), { to })
  }
}

const event: Command = {
  name: 'asset event',
  usage: '<id> <kind> [json-data]',
  summary: 'record an event on an asset (maintenance, inspection, damage, reading, custom)',
  write: true,
  async run (ctx) {
    const [id, kind, data] = ctx.args
    return await write(ctx, 'POST', route('assets', id, 'events'), { kind, data: data === undefined ? undefined : json(data, 'json-data') })
  }
}

interface Step { n: number, op: string, entry: string, writer: string, ts: number, kind?: string, data?: unknown, from?: string, to?: string, assetStatus?: string, reason?: string, rule?: string }

const history: Command = {
  name: 'asset history',
  usage: '<id>',
  summary: 'every step of an asset\'s provenance',
  async run (ctx) {
    const client = await ctx.client()
    const res = await client.request<{ history: Step[] }>('GET', route('assets', ctx.args[0], 'history'))
    if (ctx.json) return printJson(res)
    printTable(['N', 'TIME', 'OP', 'ENTRY', 'DETAIL'], res.history.map((s) => [s.n, iso(s.ts), s.op, s.entry, clip(detail(s))]), `no history for asset ${ctx.args[0]}`)
  }
}

function detail (s: Step): string {
  switch (s.op) {
    case 'transfer': return `${text(s.from)} -> ${text(s.to)}`
    case 'event': return `${text(s.kind)}${s.data === undefined ? '' : ' ' + text(s.data)}`
    case 'status': return `${text(s.assetStatus)}${s.rule === undefined ? '' : ` (rule ${s.rule})`}`
    case 'flag': return `${text(s.reason)}${s.rule === undefined ? '' : ` (rule ${s.rule})`}`
    default: return s.kind === undefined ? '' : text(s.kind)
  }
}

/** The asset commands. */
export const assetCommands: Command[] = [register, transfer, event, history]
