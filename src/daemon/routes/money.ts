/**
 * Money: balances, supply, transfers and minting.
 */
import { Transfer, WriteResult } from '../records.js'
import { array, COMMON_ERRORS, errors, Limit, number, Reverse, strict, string, Time, WRITE_ERRORS, WriteQuery, type Api } from '../schemas.js'
import { collect, time, written, type RouteContext } from './context.js'

/** Install the money routes. */
export function moneyRoutes (app: Api, ctx: RouteContext): void {
  const tags = ['money']
  app.get('/v1/balances/:account', {
    schema: {
      summary: 'an account\'s balance', tags,
      params: strict({ account: string }, ['account']),
      response: { 200: strict({ account: string, balance: number }, ['account', 'balance']), ...errors(...COMMON_ERRORS, 422) }
    }
  }, async (req) => ({ account: req.params.account, balance: await ctx.ledger().balance(req.params.account) }))

  app.get('/v1/supply', {
    schema: { summary: 'money in circulation', tags, response: { 200: strict({ supply: number }, ['supply']), ...errors(...COMMON_ERRORS) } }
  }, async () => ({ supply: await ctx.ledger().supply() }))

  app.get('/v1/transfers', {
    schema: {
      summary: 'transfers, of one account or all', tags,
      querystring: strict({ account: string, since: Time, until: Time, limit: Limit, reverse: Reverse }),
      response: { 200: strict({ transfers: array(Transfer) }, ['transfers']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req) => {
    const q = req.query
    const transfers = ctx.ledger().transfers({ account: q.account, since: time(q.since, 'since'), until: time(q.until, 'until'), reverse: q.reverse === true })
    return { transfers: await collect(transfers, q.limit) }
  })

  app.post('/v1/transfers', {
    schema: {
      summary: 'pay', tags,
      querystring: WriteQuery,
      body: strict({
        from: { type: 'string', description: 'default: this device' },
        to: string,
        amount: number,
        memo: string,
        ref: { type: 'string', description: 'unique per payer: a retry with the same ref is DUPLICATE_REF' }
      }, ['to', 'amount']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => {
    const { from, to, amount, memo, ref } = req.body
    return reply.code(201).send(await written(ctx, await ctx.ledger().transfer({ from, to, amount, memo, ref }), req.query))
  })

  app.post('/v1/mint', {
    schema: {
      summary: 'create money (indexers only)', tags,
      querystring: WriteQuery,
      body: strict({ to: string, amount: number, memo: string }, ['to', 'amount']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().mint(req.body.to, req.body.amount, { memo: req.body.memo }), req.query)))
}
