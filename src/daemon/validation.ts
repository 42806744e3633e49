/**
 * How requests are checked against their route's schemas. Bodies are JSON and taken as they are:
 * no coercion (`"5"` is not 5) and unknown fields refused, not stripped. Query strings and path
 * parameters are text, so they are coerced (`limit=10` is 10, `reverse=true` is true); unknown
 * query parameters are refused too. Every failure is one `INVALID_REQUEST` naming the field.
 */
import { createRequire } from 'node:module'
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv'
import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify'
import { DaemonError } from './api-errors.js'
import { TIME_FORMAT } from './schemas.js'
import { parseTime } from '../units.js'

/** ajv, loaded on the first request that has input to check (an idle daemon never loads it). */
function ajv (coerce: boolean): Ajv {
  const { Ajv } = createRequire(import.meta.url)('ajv') as typeof import('ajv')
  const a = new Ajv({ coerceTypes: coerce ? 'array' : false, removeAdditional: false, useDefaults: false, allErrors: false, strict: true, strictTuples: false })
  a.addFormat(TIME_FORMAT, { type: 'string', validate: (text: string) => parseTime(text) !== null })
  return a
}

/**
 * One compiler per kind of input: JSON bodies strict, text (query, path) coerced. Each validator
 * is compiled on its route's first request, not at start, and the two ajv instances are made
 * then too: most routes of a Pi's daemon are never called, and ajv and compiled validators are a
 * good part of an idle daemon's memory.
 */
export function validatorCompiler (): FastifySchemaCompiler<unknown> {
  let json: Ajv | null = null
  let text: Ajv | null = null
  return ({ schema, httpPart }) => {
    let compiled: ValidateFunction | null = null
    const validate = (data: unknown): boolean => {
      compiled ??= (httpPart === 'body' ? (json ??= ajv(false)) : (text ??= ajv(true))).compile(schema as object)
      const ok = compiled(data)
      validate.errors = compiled.errors
      return ok
    }
    validate.errors = null as ValidateFunction['errors']
    return validate
  }
}

/** The request part a fastify validation error is about, as the message says it. */
const PART: Record<string, string> = { body: 'the body', querystring: 'the query', params: 'the path', headers: 'a header' }

/** A validation failure as the API's coded error: `INVALID_REQUEST: the body: tpye is not allowed`. */
export function validationError (errors: FastifySchemaValidationError[], part: string): DaemonError {
  const e = errors[0] as ErrorObject | undefined
  if (e === undefined) return DaemonError.invalidRequest(`${PART[part] ?? part} is not valid`)
  const at = e.instancePath.slice(1).replace(/\//g, '.')
  const field = (name: string): string => at === '' ? name : `${at}.${name}`
  let what: string
  if (e.keyword === 'additionalProperties') what = `${field(String(e.params.additionalProperty))} is not allowed`
  else if (e.keyword === 'required') what = `${field(String(e.params.missingProperty))} is required`
  else if (e.keyword === 'const') what = `${at} must be ${JSON.stringify(e.params.allowedValue)}`
  else what = `${at === '' ? 'it' : at} ${e.message ?? 'is not valid'}`
  return DaemonError.invalidRequest(`${PART[part] ?? part}: ${what}`)
}
