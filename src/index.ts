/**
 * meshledger: a local-first peer-to-peer ledger for edge devices. This file is the whole public
 * surface.
 */
export { Ledger, DEFAULT_ACK_INTERVAL, DEFAULT_CACHE_SIZE } from './ledger.js'
export type { LedgerOptions, LedgerMode, LedgerStats, LedgerEvents, Member } from './ledger.js'
export type { WriterProgress } from './writer-progress.js'
export type { Entry, EntryStatus, Rejection } from './entry.js'
export type { EntryId } from './entry-id.js'
export { parseId } from './entry-id.js'
export type { QueryOptions } from './query.js'
export type { Watcher, WatchEvent, WatchFilter } from './watcher.js'
export type { Reorder } from './view-feed.js'
export type { PeerInfo, BootstrapNode } from './network.js'
export { PROTOCOL_VERSION, MAX_ENTRY_BYTES } from './ops.js'
export type { EntryInput, Role, RejectionCode } from './ops.js'
export { MeshledgerError, isMeshledgerError } from './errors.js'
export type { ErrorCode } from './errors.js'
export { decodeKey, normalizeKey } from './keys.js'
export type { DeviceKey, LedgerKey, KeyInput } from './keys.js'
