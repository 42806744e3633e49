/**
 * Money: `balance`, `transfer`.
 */
import { number } from '../args.js'
import { route, write, type Command } from '../command.js'
import { print, printJson } from '../output.js'

const balance: Command = {
  name: 'balance',
  usage: '<account>',
  summary: 'the balance of an account (a device key or a shared account name)',
  async run (ctx) {
    const client = await ctx.client()
    const res = await client.request<{ account: string, balance: number }>('GET', route('balances', ctx.args[0]))
    if (ctx.json) return printJson(res)
    print(`${res.balance}  ${res.account}`)
  }
}

const transfer: Command = {
  name: 'transfer',
  usage: '<to> <amount>',
  summary: 'move an amount (an integer, in the smallest unit) to an account',
  description: 'A transfer that would overdraw at its place in the ledger\'s order is rejected\n(INSUFFICIENT_FUNDS), here or, after a merge, on every device.',
  options: {
    from: { type: 'string', value: 'ACCOUNT', help: 'pay from this account (default: this device\'s own)' },
    memo: { type: 'string', value: 'M', help: 'a note recorded with the transfer' },
    ref: { type: 'string', value: 'R', help: 'a reference; a second transfer with the same ref is rejected' }
  },
  write: true,
  async run (ctx) {
    const [to, amount] = ctx.args
    const f = ctx.flags
    return await write(ctx, 'POST', route('transfers'), { to, amount: number(amount, 'amount'), from: f.from, memo: f.memo, ref: f.ref })
  }
}

/** The money commands. */
export const moneyCommands: Command[] = [balance, transfer]
