/**
 * The JSON schemas the HTTP API validates requests with and describes itself with: plain JSON
 * Schema objects, typed at compile time by json-schema-to-ts (`FromSchema`), so a route's handler,
 * its validation and `/v1/openapi.json` are one definition and cost nothing at run time (TypeBox,
 * the other typed choice, added about 13 MB of RSS on import when measured: much for a 1 GB Pi).
 * The shapes of what the ledger returns are in records.ts.
 */
import type { FastifyBaseLogger, FastifyInstance, FastifyTypeProvider, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify'
import type { FromSchema, JSONSchema } from 'json-schema-to-ts'
import { TIME_HINT } from '../units.js'

/** Fastify's view of the schemas: a route's request parts and replies are typed by them. */
export interface SchemaProvider extends FastifyTypeProvider {
  validator: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown
  serializer: this['schema'] extends JSONSchema ? FromSchema<this['schema']> : unknown
}

/** The API's fastify instance, its routes typed by their schemas. */
export type Api = FastifyInstance<RawServerDefault, RawRequestDefaultExpression, RawReplyDefaultExpression, FastifyBaseLogger, SchemaProvider>

type Properties = Record<string, JSONSchema>

/** An object schema. */
export interface ObjectSchema<P extends Properties, R extends ReadonlyArray<keyof P & string>, A extends boolean> {
  type: 'object'
  properties: P
  required: R
  additionalProperties: A
  description?: string
}

/** An object with exactly these properties (`required` must be there): anything else is `INVALID_REQUEST`. */
export function strict<const P extends Properties, const R extends ReadonlyArray<keyof P & string> = []> (properties: P, required?: R, description?: string): ObjectSchema<P, R, false> {
  return { type: 'object', properties, required: (required ?? []) as R, additionalProperties: false, ...(description === undefined ? {} : { description }) }
}

/**
 * An object with these properties, open to more (a record that may gain fields). Its type lists
 * only these, so a reply built from the library's richer record type-checks against them.
 */
export function open<const P extends Properties, const R extends ReadonlyArray<keyof P & string> = []> (properties: P, required?: R, description?: string): ObjectSchema<P, R, false> {
  const schema = { type: 'object', properties, required: required ?? [], additionalProperties: true, ...(description === undefined ? {} : { description }) }
  return schema as unknown as ObjectSchema<P, R, false>
}

/** An array of `items`. */
export function array<const T extends JSONSchema> (items: T): { type: 'array', items: T } {
  return { type: 'array', items }
}

/** Text, a whole number, a number, a flag, anything. */
export const string = { type: 'string' } as const
export const integer = { type: 'integer' } as const
export const number = { type: 'number' } as const
export const boolean = { type: 'boolean' } as const
export const anything = {} as const

/** The ajv format of a time (time.ts reads it). */
export const TIME_FORMAT = 'ms-or-date-time'

/** A time in a query: `since`, `until`. */
export const Time = { type: 'string', format: TIME_FORMAT, description: TIME_HINT, examples: ['1767225600000', '2026-01-01T00:00:00Z'] } as const

/** `{ error: { code, message } }`, message `CODE: text`. */
export const ErrorBody = strict({
  error: strict({
    code: { type: 'string', pattern: '^[A-Z][A-Z0-9_]*$', description: 'stable code, e.g. NOT_FOUND' },
    message: { type: 'string', description: '`CODE: text`' }
  }, ['code', 'message'])
}, ['error'], 'an error')

/** A device key (z32, or 64 hex digits). */
export const Key = { type: 'string', minLength: 1, description: 'a device key: z32 or 64 hex digits' } as const

/** `<writer>.<seq>.<offset>`. */
export const EntryIdParam = strict({ id: { type: 'string', description: 'an entry id, `<writer>.<seq>.<offset>`' } }, ['id'])

/** A path with `:key`. */
export const KeyParam = strict({ key: Key }, ['key'])

/** A path with `:id` that names a record (asset, rule, invite). */
export const IdParam = strict({ id: { type: 'string', minLength: 1 } }, ['id'])

/** How many to list (clamped to 10000). */
export const Limit = { type: 'integer', minimum: 1, description: 'at most this many (default 100, clamped to 10000)' } as const

/** `true`: newest first. */
export const Reverse = { type: 'boolean', description: 'newest first' } as const

/** The query of a write: `?wait=confirmed[&timeout=ms]`. */
export const WriteQuery = strict({
  wait: { type: 'string', const: 'confirmed', description: 'answer once the entry is confirmed (final), not just applied' },
  timeout: { type: 'integer', minimum: 0, description: 'with wait: give up after this many ms (default 30000), `TIMEOUT` (504)' }
})

/** Error answers, by status. */
export function errors<const S extends readonly number[]> (...statuses: S): { [K in S[number]]: typeof ErrorBody } {
  return Object.fromEntries(statuses.map((s) => [s, ErrorBody])) as { [K in S[number]]: typeof ErrorBody }
}

/** The errors any authorised route can answer. */
export const COMMON_ERRORS = [400, 401, 500, 503] as const

/** The errors of a write. */
export const WRITE_ERRORS = errors(...COMMON_ERRORS, 403, 409, 413, 415, 422, 504, 507)
