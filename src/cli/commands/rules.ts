/**
 * Rules: `rule add`, `rule list`, `rule remove`.
 */
import { jsonOrFile } from '../args.js'
import { route, write, type Command } from '../command.js'
import { clip, printJson, printTable, text } from '../output.js'

const add: Command = {
  name: 'rule add',
  usage: '<json-rule|@file>',
  summary: 'add a rule (indexers only)',
  description: 'A rule is { id, when, then, on? } (see the README); give it as JSON or as @file.',
  write: true,
  async run (ctx) {
    return await write(ctx, 'POST', route('rules'), await jsonOrFile(ctx.args[0], 'json-rule'))
  }
}

const list: Command = {
  name: 'rule list',
  usage: '',
  summary: 'the rules in force',
  async run (ctx) {
    const client = await ctx.client()
    const res = await client.request<{ rules: Array<{ id: string, on?: string, when: unknown, then: unknown }> }>('GET', route('rules'))
    if (ctx.json) return printJson(res)
    printTable(['ID', 'ON', 'WHEN', 'THEN'], res.rules.map((r) => [r.id, r.on ?? 'applied', clip(text(r.when), 50), clip(text(r.then), 50)]), 'no rules')
  }
}

const remove: Command = {
  name: 'rule remove',
  usage: '<id>',
  summary: 'remove a rule (indexers only)',
  write: true,
  async run (ctx) {
    return await write(ctx, 'DELETE', route('rules', ctx.args[0]))
  }
}

/** The rule commands. */
export const ruleCommands: Command[] = [add, list, remove]
