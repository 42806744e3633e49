/**
 * The daemon's options: one table of flag, environment variable, config file key, help and JSON
 * Schema. `meshledger daemon --help` and the command line's completion read it without loading
 * the daemon; `config.ts` validates every source against the schemas here.
 */

import { DEFAULT_CACHE_SIZE, DEFAULT_MIN_FREE_BYTES } from '../replica/storage-defaults.js'

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

/** One option of the daemon. */
export interface DaemonOption {
  /** Its config key (camelCase). The config file also takes the flag name. */
  name: keyof DaemonConfig
  flag: string
  env: string
  /** How text (a flag, a variable) becomes the value; `duration`: `30s`, `5m` or plain ms. */
  kind: 'string' | 'integer' | 'boolean' | 'list' | 'duration'
  /** Placeholder in help: `PORT`, `DIR`. None for booleans. */
  value?: string
  help: string
  /** A `--no-x` flag: given, it sets the option (named positively, like its variable) false. */
  negated?: boolean
  /** JSON Schema of the value, beyond its kind (bounds, allowed values). */
  schema?: Record<string, unknown>
}

const port = { minimum: 0, maximum: 65535 }
const nonEmpty = { minLength: 1 }

/** The options, in the order `--help` lists them. */
export const OPTIONS: DaemonOption[] = [
  { name: 'data', flag: 'data', env: 'MESHLEDGER_DATA', kind: 'string', value: 'DIR', schema: nonEmpty, help: 'data folder (default: ./data in the project)' },
  { name: 'host', flag: 'host', env: 'MESHLEDGER_HOST', kind: 'string', value: 'IP', schema: nonEmpty, help: 'HTTP API address (default 127.0.0.1)' },
  { name: 'port', flag: 'port', env: 'MESHLEDGER_PORT', kind: 'integer', value: 'PORT', schema: port, help: `HTTP API port (default ${DEFAULT_PORT}; 0 picks a free one)` },
  { name: 'key', flag: 'key', env: 'MESHLEDGER_KEY', kind: 'string', value: 'KEY', schema: nonEmpty, help: 'join the ledger with this key on first start (needs --encryption-key; an invite is simpler)' },
  { name: 'encryptionKey', flag: 'encryption-key', env: 'MESHLEDGER_ENCRYPTION_KEY', kind: 'string', value: 'KEY', schema: nonEmpty, help: 'the ledger\'s encryption key, with --key (an invite brings both)' },
  { name: 'bootstrap', flag: 'bootstrap', env: 'MESHLEDGER_BOOTSTRAP', kind: 'list', value: 'HOST:PORT,...', schema: { items: { pattern: '^[^:\\s]+:\\d{1,5}$' } }, help: 'DHT bootstrap nodes (default: public DHT)' },
  { name: 'dhtHost', flag: 'dht-host', env: 'MESHLEDGER_DHT_HOST', kind: 'string', value: 'IP', schema: nonEmpty, help: 'address the DHT binds (127.0.0.1 for one-machine tests)' },
  { name: 'offline', flag: 'offline', env: 'MESHLEDGER_OFFLINE', kind: 'boolean', help: 'do not join the swarm' },
  { name: 'lan', flag: 'no-lan', env: 'MESHLEDGER_LAN', kind: 'boolean', negated: true, help: 'no LAN discovery over mDNS (MESHLEDGER_LAN=false)' },
  { name: 'lanOnly', flag: 'lan-only', env: 'MESHLEDGER_LAN_ONLY', kind: 'boolean', help: 'no DHT at all: LAN discovery and --peers only' },
  { name: 'lanHost', flag: 'lan-host', env: 'MESHLEDGER_LAN_HOST', kind: 'string', value: 'IP', schema: nonEmpty, help: 'address the LAN listener and mDNS use (default: all)' },
  { name: 'lanPort', flag: 'lan-port', env: 'MESHLEDGER_LAN_PORT', kind: 'integer', value: 'PORT', schema: port, help: 'LAN listener TCP port (default: any free port)' },
  { name: 'peers', flag: 'peers', env: 'MESHLEDGER_PEERS', kind: 'list', value: 'PEER,...', help: 'known peers to dial: swarm keys and/or host:port' },
  { name: 'ackInterval', flag: 'ack-interval', env: 'MESHLEDGER_ACK_INTERVAL', kind: 'duration', value: 'DURATION', schema: { minimum: 1 }, help: 'between indexer acknowledgements (default 200ms)' },
  { name: 'logLevel', flag: 'log-level', env: 'MESHLEDGER_LOG_LEVEL', kind: 'string', value: 'LEVEL', schema: { enum: ['debug', 'info', 'warn', 'error'] }, help: 'debug, info, warn or error (default info)' },
  { name: 'cacheSize', flag: 'cache-size', env: 'MESHLEDGER_CACHE_SIZE', kind: 'integer', value: 'ENTRIES', schema: { minimum: 1 }, help: `cache bound in entries (default ${DEFAULT_CACHE_SIZE})` },
  { name: 'durability', flag: 'durability', env: 'MESHLEDGER_DURABILITY', kind: 'string', value: 'MODE', schema: { enum: ['sync', 'relaxed'] }, help: 'sync (fsync before acknowledging, default) or relaxed' },
  { name: 'maxBodyBytes', flag: 'max-body', env: 'MESHLEDGER_MAX_BODY', kind: 'integer', value: 'BYTES', schema: { minimum: 1 }, help: 'largest HTTP request body (default 1048576)' },
  { name: 'minFreeBytes', flag: 'min-free', env: 'MESHLEDGER_MIN_FREE', kind: 'integer', value: 'BYTES', schema: { minimum: 0 }, help: `free disk kept back: appends below it get STORAGE_FULL (default ${DEFAULT_MIN_FREE_BYTES}, 0 off)` }
]
