/**
 * Daemon options from flags, then environment (`MESHLEDGER_*`), then a JSON config file
 * (`--config FILE`, or `<data>/config.json` when present), then defaults. One table, used by
 * `meshledger daemon --help` and the README.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { MeshledgerError } from '../errors.js'
import { DEFAULT_MIN_FREE_BYTES } from './recovery.js'

/** Default HTTP port of the local API. */
export const DEFAULT_PORT = 4737

/** Everything the daemon can be told. */
export interface DaemonConfig {
  data: string
  host: string
  port: number
  key: string | null
  encryptionKey: string | null
  bootstrap: string[] | null
  dhtHost: string | null
  offline: boolean
  lan: boolean
  lanOnly: boolean
  lanHost: string | null
  lanPort: number | null
  peers: string[]
  ackInterval: number
  logLevel: 'debug' | 'info' | 'warn' | 'error'
  cacheSize: number
  durability: 'sync' | 'relaxed'
  maxBodyBytes: number
  minFreeBytes: number
}

interface Option {
  name: keyof DaemonConfig
  flag: string
  env: string
  kind: 'string' | 'number' | 'boolean' | 'list'
  help: string
  /** A `--no-x` flag: given, it sets the option (named positively, like its variable) false. */
  negated?: boolean
}

/** The options, in the order `--help` lists them. */
export const OPTIONS: Option[] = [
  { name: 'data', flag: 'data', env: 'MESHLEDGER_DATA', kind: 'string', help: 'data folder (default: ./data in the project)' },
  { name: 'host', flag: 'host', env: 'MESHLEDGER_HOST', kind: 'string', help: 'HTTP API address (default 127.0.0.1)' },
  { name: 'port', flag: 'port', env: 'MESHLEDGER_PORT', kind: 'number', help: `HTTP API port (default ${DEFAULT_PORT}; 0 picks a free one)` },
  { name: 'key', flag: 'key', env: 'MESHLEDGER_KEY', kind: 'string', help: 'join the ledger with this key on first start (needs --encryption-key; an invite is simpler)' },
  { name: 'encryptionKey', flag: 'encryption-key', env: 'MESHLEDGER_ENCRYPTION_KEY', kind: 'string', help: 'the ledger\'s encryption key, with --key (an invite brings both)' },
  { name: 'bootstrap', flag: 'bootstrap', env: 'MESHLEDGER_BOOTSTRAP', kind: 'list', help: 'DHT bootstrap nodes, host:port[,host:port] (default: public DHT)' },
  { name: 'dhtHost', flag: 'dht-host', env: 'MESHLEDGER_DHT_HOST', kind: 'string', help: 'address the DHT binds (127.0.0.1 for one-machine tests)' },
  { name: 'offline', flag: 'offline', env: 'MESHLEDGER_OFFLINE', kind: 'boolean', help: 'do not join the swarm' },
  { name: 'lan', flag: 'no-lan', env: 'MESHLEDGER_LAN', kind: 'boolean', negated: true, help: 'no LAN discovery over mDNS (MESHLEDGER_LAN=false)' },
  { name: 'lanOnly', flag: 'lan-only', env: 'MESHLEDGER_LAN_ONLY', kind: 'boolean', help: 'no DHT at all: LAN discovery and --peers only' },
  { name: 'lanHost', flag: 'lan-host', env: 'MESHLEDGER_LAN_HOST', kind: 'string', help: 'address the LAN listener and mDNS use (default: all)' },
  { name: 'lanPort', flag: 'lan-port', env: 'MESHLEDGER_LAN_PORT', kind: 'number', help: 'LAN listener TCP port (default: any free port)' },
  { name: 'peers', flag: 'peers', env: 'MESHLEDGER_PEERS', kind: 'list', help: 'known peers to dial: swarm keys and/or host:port' },
  { name: 'ackInterval', flag: 'ack-interval', env: 'MESHLEDGER_ACK_INTERVAL', kind: 'number', help: 'ms between indexer acknowledgements (default 200)' },
  { name: 'logLevel', flag: 'log-level', env: 'MESHLEDGER_LOG_LEVEL', kind: 'string', help: 'debug, info, warn or error (default info)' },
  { name: 'cacheSize', flag: 'cache-size', env: 'MESHLEDGER_CACHE_SIZE', kind: 'number', help: 'cache bound in entries (default 512)' },
  { name: 'durability', flag: 'durability', env: 'MESHLEDGER_DURABILITY', kind: 'string', help: 'sync (fsync before acknowledging, default) or relaxed' },
  { name: 'maxBodyBytes', flag: 'max-body', env: 'MESHLEDGER_MAX_BODY', kind: 'number', help: 'largest HTTP request body in bytes (default 1048576)' },
  { name: 'minFreeBytes', flag: 'min-free', env: 'MESHLEDGER_MIN_FREE', kind: 'number', help: 'free bytes kept back: appends below it get STORAGE_FULL (default 262144, 0 off)' }
]

/** Resolve the configuration. `flags` are parsed argv values keyed by flag name. */
export async function resolveConfig (
  flags: Record<string, string | boolean | undefined>, env: NodeJS.ProcessEnv, defaultData: string
): Promise<DaemonConfig> {
  // A `--no-x` flag given means false; its environment variable and file key are positive.
  const fromFlagsOrEnv = (o: Option): unknown => o.negated === true ? (flags[o.flag] === true ? false : env[o.env]) : flags[o.flag] ?? env[o.env]
  const dataRaw = fromFlagsOrEnv(OPTIONS[0])
  const data = path.resolve(typeof dataRaw === 'string' ? dataRaw : defaultData)
  const file = await readConfigFile(typeof flags.config === 'string' ? flags.config : path.join(data, 'config.json'), typeof flags.config === 'string')

  const values: Record<string, unknown> = {}
  for (const o of OPTIONS) {
    const negatedInFile = o.negated === true && file[o.flag] !== undefined ? !(parse(o, file[o.flag]) as boolean) : undefined
    const raw = fromFlagsOrEnv(o) ?? file[o.name] ?? (o.negated === true ? negatedInFile : file[o.flag])
    if (raw !== undefined) values[o.name] = parse(o, raw)
  }
  const config: DaemonConfig = {
    data,
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
    cacheSize: 512,
    durability: 'sync',
    maxBodyBytes: 1024 * 1024,
    minFreeBytes: DEFAULT_MIN_FREE_BYTES,
    ...values
  }
  if (!['debug', 'info', 'warn', 'error'].includes(config.logLevel)) throw MeshledgerError.invalidOption('log level is debug, info, warn or error')
  if (!['sync', 'relaxed'].includes(config.durability)) throw MeshledgerError.invalidOption('durability is sync or relaxed')
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) throw MeshledgerError.invalidOption('port is 0-65535')
  if (!Number.isSafeInteger(config.minFreeBytes) || config.minFreeBytes < 0) throw MeshledgerError.invalidOption('--min-free is a number of bytes')
  if (config.lanPort !== null && (!Number.isInteger(config.lanPort) || config.lanPort < 0 || config.lanPort > 65535)) throw MeshledgerError.invalidOption('LAN port is 0-65535')
  return config
}

function parse (o: Option, raw: unknown): unknown {
  switch (o.kind) {
    case 'boolean':
      return raw === true || raw === 'true' || raw === '1'
    case 'number': {
      const n = Number(raw)
      if (!Number.isFinite(n)) throw MeshledgerError.invalidOption(`--${o.flag} is a number`)
      return n
    }
    case 'list':
      return (Array.isArray(raw) ? raw.map(String) : String(raw).split(',')).map((s) => s.trim()).filter((s) => s !== '')
    default:
      return String(raw)
  }
}

async function readConfigFile (file: string, required: boolean): Promise<Record<string, unknown>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return {}
    throw MeshledgerError.invalidOption(`cannot read config file ${file}`)
  }
  try {
    const parsed = JSON.parse(text) as unknown
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new TypeError('not an object')
    return parsed as Record<string, unknown>
  } catch {
    throw MeshledgerError.invalidOption(`config file ${file} is not a JSON object`)
  }
}
