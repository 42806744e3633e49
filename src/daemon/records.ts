/**
 * The shapes of what the API answers: the ledger's records as JSON Schema, for the route replies
 * and `/v1/openapi.json`. Fields a record may gain later are allowed (`open`); nested structures
 * the library documents (receipts, fork evidence, the audit report) are named and left to the
 * library's own types.
 */
import { anything, array, boolean, integer, number, open, strict, string } from './schemas.js'

const Status = { type: 'string', enum: ['pending', 'applied', 'confirmed', 'rejected', 'held'], description: 'pending, applied, confirmed (final), rejected or held (quarantined writer)' } as const

const Rejection = open({ code: string, reason: string, final: boolean }, ['code', 'reason', 'final'], 'why the ledger rejected the op; final once in the confirmed prefix')

/** `{ id, status, rejection? }`: the answer to every write. */
export const WriteResult = strict({ id: string, status: Status, rejection: Rejection }, ['id', 'status'], 'the entry the write appended')

/** An entry (`ledger.get`). */
export const Entry = open({
  id: { type: 'string', description: '`<writer>.<seq>.<offset>`' },
  writer: string,
  seq: integer,
  offset: integer,
  type: string,
  version: { type: 'integer', description: 'protocol version the op was written under' },
  timestamp: { type: 'number', description: 'the writer\'s clock, ms since the epoch (not trusted)' },
  data: anything,
  status: Status,
  rejection: Rejection
}, ['id', 'writer', 'seq', 'offset', 'type', 'version', 'timestamp', 'data', 'status'], 'an entry')

/** A member (`ledger.members`). */
export const Member = open({
  key: string,
  role: string,
  addedBy: string,
  addedAt: string,
  removedBy: string,
  removedAt: string,
  capabilities: array(string),
  quarantined: open({ by: string, at: string, reason: string }, ['by', 'at'], 'set while quarantined'),
  forkedAt: string
}, ['key', 'role', 'addedBy', 'addedAt'], 'a member')

/** `{ active, known }`. */
export const Protocol = open({ active: integer, known: integer, activatedBy: string, activatedAt: string }, ['active', 'known'], 'the active protocol, and the newest this code knows')

const WriterProgress = open({ key: string, length: integer, remoteLength: integer, lag: integer }, ['key', 'length', 'remoteLength', 'lag'], 'a member log: held here, known to peers, missing')

const Peer = open({
  publicKey: { type: 'string', description: 'swarm (Noise) key' },
  connectedAt: number,
  initiator: boolean,
  via: { type: 'string', description: 'dht, lan or direct' },
  address: string,
  view: { description: 'the peer\'s view check, or null before it stated its view' }
}, ['publicKey', 'connectedAt', 'initiator', 'via'], 'a connected peer')

const ViewCheck = open({ confirmedLength: integer, hash: string, viewKey: string, peers: integer, agreeing: integer, mismatched: array(string) },
  ['confirmedLength', 'hash', 'viewKey', 'peers', 'agreeing', 'mismatched'], 'this device\'s confirmed view against its peers\'')

const Network = strict({
  bootstrap: { type: ['array', 'null'], items: string, description: 'DHT bootstrap nodes, null for the public DHT' },
  dhtHost: { type: ['string', 'null'], description: 'the address the DHT binds, null for the default' },
  offline: boolean,
  lanOnly: boolean
}, ['bootstrap', 'dhtHost', 'offline', 'lanOnly'], 'how the daemon reaches the network')

const Problem = strict({ code: string, message: { type: 'string', description: '`CODE: text`, with the fix' } }, ['code', 'message'], 'a condition the daemon cannot fix by itself')

/** `/v1/peers`. */
export const Peers = strict({ peers: array(Peer), writers: array(WriterProgress) }, ['peers', 'writers'])

/** `/v1/status`: keys, mode, `ledger.stats`, peers and the view check. */
export const LedgerStatus = open({
  ledger: string,
  device: string,
  mode: { type: 'string', description: 'created, opened or joined' },
  writable: boolean,
  indexer: boolean,
  hash: string,
  protocol: Protocol,
  peers: array(Peer),
  appended: open({ entries: integer, blocks: integer }, ['entries', 'blocks'], 'appended since open'),
  view: open({ length: integer, signedLength: integer }, ['length', 'signedLength'], 'applied and confirmed view length'),
  applied: integer,
  forcedAcks: integer,
  ownLog: open({ recorded: integer, stored: integer, damaged: boolean }, ['recorded', 'stored', 'damaged'], 'this device\'s own log'),
  writers: array(WriterProgress),
  viewCheck: ViewCheck,
  network: Network,
  problems: array(Problem)
}, ['ledger', 'device', 'mode', 'writable', 'indexer', 'hash', 'protocol', 'peers', 'appended', 'view', 'applied', 'forcedAcks', 'ownLog', 'writers', 'viewCheck', 'network', 'problems'], 'the device and its ledger')

/** `/healthz`. */
export const Health = strict({
  ok: { type: 'boolean', const: true },
  ready: boolean,
  pid: integer,
  error: strict({ code: string, message: string }, ['code', 'message'])
}, ['ok', 'ready', 'pid'])

/** An asset. */
export const Asset = open({
  id: string,
  kind: string,
  owner: string,
  attributes: { type: 'object', additionalProperties: true },
  status: string,
  flags: array(anything),
  registeredBy: string,
  registeredAt: string,
  steps: integer
}, ['id', 'kind', 'owner', 'attributes', 'status', 'flags', 'registeredBy', 'registeredAt', 'steps'], 'an asset')

/** One step of an asset's provenance. */
export const AssetStep = open({ n: integer, op: { type: 'string', description: 'register, transfer, event, status or flag' }, entry: string, writer: string, ts: number },
  ['n', 'op', 'entry', 'writer', 'ts'], 'a step of an asset\'s provenance')

/** A transfer of money. */
export const Transfer = open({ id: string, from: { type: ['string', 'null'] }, to: string, amount: number, ts: number, memo: string, ref: string, rule: string },
  ['id', 'from', 'to', 'amount', 'ts'], 'a transfer (from null: minted)')

/** A rule (its grammar: the README's Rules). */
export const Rule = open({ id: string, when: anything, then: array(anything), on: string }, ['id', 'when', 'then', 'on'], 'a rule')

/** An alert a rule raised. */
export const Alert = open({ rule: string, trigger: string, message: string, level: string, asset: string, ts: number }, ['rule', 'trigger', 'message', 'level', 'ts'], 'an alert')

/** An invite as the ledger records it (never its secret). */
export const Invite = open({ id: string, role: string, expires: number, uses: integer, used: integer, createdBy: string, createdAt: string },
  ['id', 'role', 'expires', 'uses', 'used', 'createdBy', 'createdAt'], 'an invite')

/** A new invite: its code is the secret to hand over. */
export const NewInvite = strict({ code: string, id: string, expires: number, role: string }, ['code', 'id', 'expires', 'role'])

/** A recorded fork with its evidence. */
export const Fork = open({ key: string, reportedBy: string, at: string, length: integer, statements: array(anything), evidence: anything },
  ['key', 'reportedBy', 'at', 'length', 'statements', 'evidence'], 'a fork, with the evidence to check it again offline')

/** An entry's receipt (`ledger.proof`; check it with `verifyReceipt`). */
export const Receipt = open({}, [], 'a receipt: the entry, its seal, Merkle proofs (see the README\'s Receipts)')

/** The audit's report (`ledger.verify`). */
export const VerifyReport = open({ ok: boolean, problems: array(anything) }, ['ok', 'problems'], 'the whole-ledger audit; ok false when damaged')
