/**
 * Daemon options from flags, then environment (`MESHLEDGER_*`), then a JSON config file
 * (`--config FILE`, or `<data>/config.json` when present), then defaults. Every source is checked
 * against one JSON Schema (built from the table in options.ts, validated with Ajv) and an error
 * names the source: `--cache-size: must be >= 1`, `MESHLEDGER_OFFLINE: expected a boolean ...`,
 * `<file>: unknown key "prot" (did you mean "port"?)`.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import { MeshledgerError } from '../errors.js'
import { didYouMean } from '../suggest.js'
import { DURATION_HINT, parseDuration } from '../units.js'
import { DEFAULT_PORT, OPTIONS, type DaemonConfig, type DaemonOption } from './options.js'
import { DEFAULT_CACHE_SIZE, DEFAULT_MIN_FREE_BYTES } from '../replica/storage-defaults.js'

export { DEFAULT_PORT, OPTIONS, type DaemonConfig } from './options.js'

/** Words a boolean variable or flag value may be, and what they mean. */
const BOOLEANS: Record<string, boolean> = { true: true, false: false, 1: true, 0: false, yes: true, no: false, on: true, off: false }

const KIND_SCHEMA: Record<DaemonOption['kind'], Record<string, unknown>> = {
  string: { type: 'string' },
  integer: { type: 'integer' },
  duration: { type: 'integer' },
  boolean: { type: 'boolean' },
  list: { type: 'array', items: { type: 'string' } }
}

/** The schema of a configuration, every key optional, no other key allowed. */
export const CONFIG_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: Object.fromEntries(OPTIONS.map((o) => {
    const base = KIND_SCHEMA[o.kind]
    const extra = o.schema ?? {}
    const items = o.kind === 'list' ? { items: { ...(base.items as object), ...(extra.items as object | undefined) } } : {}
    return [o.name, { ...base, ...extra, ...items }]
  }))
}

let validator: ValidateFunction | null = null

/** Resolve the configuration. `flags` are parsed argv values keyed by flag name. */
export async function resolveConfig (
  flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv, defaultData: string
): Promise<DaemonConfig> {
  const fromFlags: Record<string, unknown> = {}
  const fromEnv: Record<string, unknown> = {}
  for (const o of OPTIONS) {
    const flag = flags[o.flag]
    if (flag !== undefined) fromFlags[o.name] = o.negated === true ? flag !== true : fromText(o, flag)
    const variable = env[o.env]
    if (variable !== undefined && variable !== '') fromEnv[o.name] = fromText(o, variable)
  }
  check(fromFlags, (name) => `--${byName(name).flag}`)
  check(fromEnv, (name) => byName(name).env)

  const dataRaw = fromFlags.data ?? fromEnv.data
  const data = path.resolve(typeof dataRaw === 'string' ? dataRaw : defaultData)
  const explicit = typeof flags.config === 'string'
  const file = explicit ? flags.config as string : path.join(data, 'config.json')
  const fromFile = fileValues(await readConfigFile(file, explicit), file)

  return {
    host: '127.0.0.1',
    port: DEFAULT_PORT,
    key: null,
    encryptionKey: null,
    bootstrap: null,
    dhtHost: null,
    offline: false,
    lan: true,
    lanOnly: false,
    lanHost: null,
    lanPort: null,
    peers: [],
    ackInterval: 200,
    logLevel: 'info',
    cacheSize: DEFAULT_CACHE_SIZE,
    durability: 'sync',
    maxBodyBytes: 1024 * 1024,
    minFreeBytes: DEFAULT_MIN_FREE_BYTES,
    ...fromFile,
    ...fromEnv,
    ...fromFlags,
    data: path.resolve(typeof fromFile.data === 'string' && dataRaw === undefined ? fromFile.data : data)
  }
}

function byName (name: string): DaemonOption {
  return OPTIONS.find((o) => o.name === name) as DaemonOption
}

/** Text of a flag or variable as the option's kind; left as it is when it does not parse, for the schema to refuse. */
function fromText (o: DaemonOption, raw: string | boolean): unknown {
  if (typeof raw === 'boolean') return raw
  switch (o.kind) {
    case 'boolean': return BOOLEANS[raw.trim().toLowerCase()] ?? raw
    case 'integer': return /^\s*-?\d+\s*$/.test(raw) ? Number(raw) : raw
    case 'duration': return parseDuration(raw) ?? raw
    case 'list': return raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
    default: return raw
  }
}

/** The file's keys (camelCase names or flag names) as config names, values checked. */
function fileValues (file: Record<string, unknown>, where: string): Partial<DaemonConfig> {
  const values: Record<string, unknown> = {}
  const written: Record<string, string> = {}
  for (const [key, raw] of Object.entries(file)) {
    const o = OPTIONS.find((x) => x.name === key || x.flag === key)
    const name = o?.name ?? key
    written[name] = key
    if (o === undefined) values[name] = raw
    else if (o.negated === true && key === o.flag) values[name] = typeof raw === 'boolean' ? !raw : raw
    else values[name] = typeof raw === 'string' && o.kind !== 'string' ? fromText(o, raw) : raw
  }
  check(values, (name) => `${where}: ${written[name] ?? name}`, where)
  return values as Partial<DaemonConfig>
}

/** Validate one source against the schema; throws INVALID_OPTION naming the source and the key. */
function check (values: Record<string, unknown>, label: (name: string) => string, file?: string): void {
  validator ??= new Ajv({ allErrors: false, strict: true }).compile(CONFIG_SCHEMA)
  if (validator(values)) return
  const err = (validator.errors as ErrorObject[])[0]
  if (err.keyword === 'additionalProperties') {
    const key = String(err.params.additionalProperty)
    const known = OPTIONS.flatMap((o) => [o.name, o.flag])
    throw MeshledgerError.invalidOption(`${file ?? 'config'}: unknown key "${key}"${didYouMean(key, known)}`)
  }
  const name = err.instancePath.split('/')[1]
  throw MeshledgerError.invalidOption(`${label(name)}: ${problem(byName(name), err, values[name])}`)
}

function problem (o: DaemonOption, err: ErrorObject, value: unknown): string {
  const shown = JSON.stringify(err.instancePath.split('/').length > 2 ? (value as unknown[])[Number(err.instancePath.split('/')[2])] : value)
  switch (err.keyword) {
    case 'type':
      if (o.kind === 'boolean') return `expected a boolean (true/false/1/0/yes/no), not ${shown}`
      if (o.kind === 'duration') return `expected ${DURATION_HINT}, not ${shown}`
      if (o.kind === 'integer') return `expected an integer, not ${shown}`
      return `expected ${o.kind === 'list' ? 'a comma-separated list' : 'text'}, not ${shown}`
    case 'enum': return `must be one of ${(err.params.allowedValues as string[]).join(', ')}, not ${shown}`
    case 'minLength': return 'must not be empty'
    case 'pattern': return `expected host:port, not ${shown}`
    default: return `${err.message ?? 'is not valid'}, not ${shown}`
  }
}

async function readConfigFile (file: string, required: boolean): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw MeshledgerError.invalidOption(`${file}: cannot read it (${(err as NodeJS.ErrnoException).code ?? String(err)})`)
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text) as unknown
  } catch (err) {
    throw MeshledgerError.invalidOption(`${file}: not valid JSON (${(err as Error).message})`)
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw MeshledgerError.invalidOption(`${file}: expected a JSON object`)
  return parsed as Record<string, unknown>
}
