/**
 * Keys of the ledger's semantic state in the view (entries and their indexes are in
 * view-layout.ts, prefixes 0x01-0x07). Strings are length-prefixed so one never prefixes another.
 *
 * | prefix | key                                   | value                                    |
 * |--------|---------------------------------------|------------------------------------------|
 * | 0x10   | account                               | balance, decimal string                  |
 * | 0x11   | (none)                                | total supply, decimal string             |
 * | 0x12   | account                               | shared account `{ holders, openedBy, openedAt }` |
 * | 0x13   | account, ts 8, trigger address 44, n 2| transfer, for that account's history (*) |
 * | 0x14   | ts 8, trigger address 44, n 2         | transfer, for everyone's history (*)     |
 * | 0x15   | account, ref                          | id of the transfer that used the ref     |
 * | 0x16   | account, rule                         | authorisation `{ max, by, at }`           |
 * | 0x20   | asset id                              | asset record                             |
 * | 0x21   | asset id, n 4                         | provenance step                          |
 * | 0x22   | owner 32, asset id                    | empty: assets by owner                   |
 * | 0x23   | kind, asset id                        | empty: assets by kind                    |
 * | 0x24   | status, asset id                      | empty: assets by status                  |
 * | 0x25   | event kind                            | policy `{ role }`                        |
 * | 0x27   | writer 32, seq 8                      | empty: a held block of a quarantined writer |
 * | 0x26   | invite id (32)                        | invite `{ publicKey, role, expires, uses, used, ... }` |
 * | 0x28   | writer 32                             | fork evidence against that writer, checked |
 * | 0x29   | writer 32                             | the writer's recent block outcomes, for the auto-quarantine policy |
 * | 0x2a   | action 1, target 32, voter 32         | an indexer's vote under a majority quorum `{ at, data }` |
 * | 0x30   | (none)                                | the active protocol `{ version, by, at }` (none: the baseline) |
 * | 0x31   | (none)                                | the ledger's policy `{ autoQuarantine, quorum, by, at }` (none: defaults) |
 * | 0x40   | rule id                               | rule                                     |
 * | 0x41   | op type, rule id                      | empty: rules by trigger type             |
 * | 0x42   | ts 8, trigger address 44, n 2         | alert                                    |
 * | 0x43   | trigger address 44, n 2               | effect (provenance of a rule action)     |
 * | 0x44   | rule id, trigger address 44           | empty: confirmed-only rule awaiting finality |
 *
 * (*) Written while protocol 6 is active (the view's second layout), the value is a segment
 * instead: a JSON array of `[n, transfer]`, sorted by (ts, trigger address, n), spanning less than
 * {@link TRANSFER_SEGMENT_SPAN} ms, one per node (see apply/transfer-batch.ts); the key is its
 * first transfer's. Balances (0x10) and refs (0x15) are then written once per node. A JSON object is the first
 * layout's single transfer; a ledger that activated 6 later holds both.
 */
import type { EntryAddress } from './entry-id.js'
import type { KeyRange } from './view-layout.js'

const BALANCE = 0x10
const SUPPLY = 0x11
const ACCOUNT = 0x12
const ACCOUNT_TRANSFER = 0x13
const TRANSFER = 0x14
const REF = 0x15
const AUTH = 0x16
const ASSET = 0x20
const HISTORY = 0x21
const BY_OWNER = 0x22
const BY_KIND = 0x23
const BY_STATUS = 0x24
const POLICY = 0x25
const INVITE = 0x26
const HELD = 0x27
const FORK = 0x28
const OUTCOMES = 0x29
const VOTE = 0x2a
const PROTOCOL = 0x30
const LEDGER_POLICY = 0x31
const RULE = 0x40
const RULE_BY_TYPE = 0x41
const ALERT = 0x42
const EFFECT = 0x43
const PENDING = 0x44

function str (s: string): Buffer {
  const b = Buffer.from(s, 'utf8')
  return Buffer.concat([Buffer.from([b.length]), b])
}

/** A time as keys hold it (8 bytes, so 0 to 2^53 - 1, whole ms). */
export function keyTime (n: number): number {
  return Math.max(0, Math.min(Number.MAX_SAFE_INTEGER, Math.floor(n)))
}

function u64 (n: number): Buffer {
  const b = Buffer.allocUnsafe(8)
  b.writeBigUInt64BE(BigInt(keyTime(n)))
  return b
}

function u32 (n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n)
  return b
}

function u16 (n: number): Buffer {
  const b = Buffer.allocUnsafe(2)
  b.writeUInt16BE(n)
  return b
}

/** A transfer segment spans less than this many ms of transfer time (ts). */
export const TRANSFER_SEGMENT_SPAN = 10_000

/** The order of transfer keys (ts, trigger address, n), without building them. */
export function compareTransferKeys (ts1: number, a1: EntryAddress, n1: number, ts2: number, a2: EntryAddress, n2: number): number {
  return keyTime(ts1) - keyTime(ts2) || Buffer.compare(a1.writer, a2.writer) || a1.seq - a2.seq || a1.offset - a2.offset || n1 - n2
}

/** The 44-byte binary form of an entry address. */
export function addressBytes (a: EntryAddress): Buffer {
  return Buffer.concat([a.writer, u64(a.seq), u32(a.offset)])
}

function key (prefix: number, ...parts: Buffer[]): Buffer {
  return Buffer.concat([Buffer.from([prefix]), ...parts])
}

function prefixRange (prefix: Buffer): KeyRange {
  const lt = Buffer.from(prefix)
  let i = lt.length - 1
  while (i >= 0 && lt[i] === 0xff) i--
  lt[i]++
  return { gte: prefix, lt: lt.subarray(0, i + 1) }
}

/** The view keys of the ledger state (balances, assets, rules, members...); `keys.ts` is key encoding. */
export const stateKeys = {
  balance: (account: string) => key(BALANCE, str(account)),
  supply: () => key(SUPPLY),
  account: (account: string) => key(ACCOUNT, str(account)),
  accountTransfer: (account: string, ts: number, trigger: EntryAddress, n: number) =>
    key(ACCOUNT_TRANSFER, str(account), u64(ts), addressBytes(trigger), u16(n)),
  transfer: (ts: number, trigger: EntryAddress, n: number) => key(TRANSFER, u64(ts), addressBytes(trigger), u16(n)),
  ref: (account: string, ref: string) => key(REF, str(account), Buffer.from(ref, 'utf8')),
  auth: (account: string, rule: string) => key(AUTH, str(account), Buffer.from(rule, 'utf8')),
  asset: (id: string) => key(ASSET, Buffer.from(id, 'utf8')),
  history: (id: string, n: number) => key(HISTORY, str(id), u32(n)),
  byOwner: (owner: Buffer, id: string) => key(BY_OWNER, owner, Buffer.from(id, 'utf8')),
  byKind: (kind: string, id: string) => key(BY_KIND, str(kind), Buffer.from(id, 'utf8')),
  byStatus: (status: string, id: string) => key(BY_STATUS, str(status), Buffer.from(id, 'utf8')),
  policy: (kind: string) => key(POLICY, Buffer.from(kind, 'utf8')),
  invite: (id: Buffer) => key(INVITE, id),
  held: (writer: Buffer, seq: number) => key(HELD, writer, u64(seq)),
  fork: (writer: Buffer) => key(FORK, writer),
  outcomes: (writer: Buffer) => key(OUTCOMES, writer),
  vote: (action: number, target: Buffer, voter: Buffer) => key(VOTE, Buffer.from([action]), target, voter),
  protocol: () => key(PROTOCOL),
  ledgerPolicy: () => key(LEDGER_POLICY),
  rule: (id: string) => key(RULE, Buffer.from(id, 'utf8')),
  ruleByType: (type: string, id: string) => key(RULE_BY_TYPE, str(type), Buffer.from(id, 'utf8')),
  alert: (ts: number, trigger: EntryAddress, n: number) => key(ALERT, u64(ts), addressBytes(trigger), u16(n)),
  effect: (trigger: EntryAddress, n: number) => key(EFFECT, addressBytes(trigger), u16(n)),
  pending: (rule: string, trigger: EntryAddress) => key(PENDING, str(rule), addressBytes(trigger))
}

export const ranges = {
  accountTransfers: (account: string, since: number, until: number): KeyRange =>
    ({ gte: key(ACCOUNT_TRANSFER, str(account), u64(since)), lt: key(ACCOUNT_TRANSFER, str(account), u64(until)) }),
  transfers: (since: number, until: number): KeyRange => ({ gte: key(TRANSFER, u64(since)), lt: key(TRANSFER, u64(until)) }),
  history: (id: string): KeyRange => prefixRange(key(HISTORY, str(id))),
  assets: (): KeyRange => prefixRange(key(ASSET)),
  byOwner: (owner: Buffer): KeyRange => prefixRange(key(BY_OWNER, owner)),
  byKind: (kind: string): KeyRange => prefixRange(key(BY_KIND, str(kind))),
  byStatus: (status: string): KeyRange => prefixRange(key(BY_STATUS, str(status))),
  rules: (): KeyRange => prefixRange(key(RULE)),
  invites: (): KeyRange => prefixRange(key(INVITE)),
  held: (writer: Buffer): KeyRange => prefixRange(key(HELD, writer)),
  forks: (): KeyRange => prefixRange(key(FORK)),
  votes: (action: number, target: Buffer): KeyRange => prefixRange(key(VOTE, Buffer.from([action]), target)),
  allVotes: (): KeyRange => prefixRange(key(VOTE)),
  rulesByType: (type: string): KeyRange => prefixRange(key(RULE_BY_TYPE, str(type))),
  alerts: (since: number, until: number): KeyRange => ({ gte: key(ALERT, u64(since)), lt: key(ALERT, u64(until)) }),
  effects: (trigger: EntryAddress): KeyRange => prefixRange(key(EFFECT, addressBytes(trigger))),
  pending: (): KeyRange => prefixRange(key(PENDING))
}

/** The asset id at the end of a by-owner/kind/status index key whose prefix is `prefixLength` long. */
export function idAfter (k: Buffer, prefixLength: number): string {
  return k.subarray(prefixLength).toString('utf8')
}

/** Decode a pending key: rule id and trigger address. */
export function decodePending (k: Buffer): { rule: string, trigger: EntryAddress } {
  const len = k[1]
  const rule = k.subarray(2, 2 + len).toString('utf8')
  const at = 2 + len
  return { rule, trigger: { writer: k.subarray(at, at + 32), seq: Number(k.readBigUInt64BE(at + 32)), offset: k.readUInt32BE(at + 40) } }
}
