/**
 * Membership: members, adding and removing them, quarantine and release, invites, and the forks
 * recorded against members.
 */
import type { Role } from '../../protocol/vocabulary.js'
import { Fork, Invite, Member, NewInvite, WriteResult } from '../records.js'
import { array, boolean, COMMON_ERRORS, errors, IdParam, KeyParam, strict, string, WRITE_ERRORS, WriteQuery, type Api } from '../schemas.js'
import { collect, MAX_LIMIT, written, type RouteContext } from './context.js'

const ROLE = { type: 'string', enum: ['writer', 'indexer', 'reader'] } as const

/** Install the membership routes. */
export function memberRoutes (app: Api, ctx: RouteContext): void {
  const tags = ['members']
  app.get('/v1/members', {
    schema: {
      summary: 'current members (all: removed ones too)', tags,
      querystring: strict({ all: boolean }),
      response: { 200: strict({ members: array(Member) }, ['members']), ...errors(...COMMON_ERRORS) }
    }
  }, async (req) => ({ members: await ctx.ledger().members({ all: req.query.all === true }) }))

  app.post('/v1/members', {
    schema: {
      summary: 'add a member (indexers only)', tags,
      querystring: WriteQuery,
      body: strict({ key: { type: 'string', description: 'device key' }, role: ROLE }, ['key']),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => {
    const entry = await ctx.ledger().addMember(req.body.key, { role: (req.body.role ?? 'writer') as Role })
    return reply.code(201).send(await written(ctx, entry, req.query))
  })

  app.delete('/v1/members/:key', {
    schema: { summary: 'remove a member', tags, params: KeyParam, querystring: WriteQuery, response: { 201: WriteResult, ...WRITE_ERRORS } }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().removeMember(req.params.key), req.query)))

  app.post('/v1/members/:key/quarantine', {
    schema: {
      summary: 'hold a member\'s new entries (indexers only)', tags,
      params: KeyParam,
      querystring: WriteQuery,
      body: strict({ reason: string }),
      response: { 201: WriteResult, ...WRITE_ERRORS }
    }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().quarantine(req.params.key, { reason: req.body.reason }), req.query)))

  app.post('/v1/members/:key/release', {
    schema: { summary: 'release a quarantined member', tags, params: KeyParam, querystring: WriteQuery, response: { 201: WriteResult, ...WRITE_ERRORS } }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().release(req.params.key), req.query)))

  app.get('/v1/invites', {
    schema: { summary: 'invites on the ledger', tags, response: { 200: strict({ invites: array(Invite) }, ['invites']), ...errors(...COMMON_ERRORS) } }
  }, async () => ({ invites: await collect(ctx.ledger().invites(), MAX_LIMIT) }))

  app.post('/v1/invites', {
    schema: {
      summary: 'create an invite; its code is the secret to hand over', tags,
      body: strict({
        role: ROLE,
        expires: { type: 'number', description: 'valid for this many ms (default 3600000)' },
        uses: { type: 'number', description: 'how many devices it admits (default 1)' }
      }),
      response: { 201: NewInvite, ...WRITE_ERRORS }
    }
  }, async (req, reply) => {
    const invite = await ctx.ledger().invite({ role: req.body.role, expires: req.body.expires, uses: req.body.uses })
    ctx.metrics.appended()
    return reply.code(201).send(invite)
  })

  app.delete('/v1/invites/:id', {
    schema: { summary: 'revoke an invite', tags, params: IdParam, querystring: WriteQuery, response: { 201: WriteResult, ...WRITE_ERRORS } }
  }, async (req, reply) => reply.code(201).send(await written(ctx, await ctx.ledger().revokeInvite(req.params.id), req.query)))

  app.get('/v1/forks', {
    schema: { summary: 'recorded forks, with their evidence', tags, response: { 200: strict({ forks: array(Fork) }, ['forks']), ...errors(...COMMON_ERRORS) } }
  }, async () => ({ forks: await collect(ctx.ledger().forks(), MAX_LIMIT) }))
}
