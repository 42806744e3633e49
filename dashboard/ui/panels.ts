/**
 * Each card of the page drawn from what the API answered: pure functions from data to DOM.
 */
import { clock, duration, h, short, show, table } from './dom.js'
import type { Alert, Asset, AssetStep, Audit, Fork, Invite, Member, Peer, Status } from './types.js'
import type { Tracked } from './recent.js'

/** The device card: keys, role, writable, mode, lengths. */
export function device (st: Status, role: string): void {
  const kv = (k: string, v: Node | string, id?: string): HTMLElement[] => [h('dt', {}, k), h('dd', id === undefined ? {} : { id }, v)]
  const v = st.view
  show('device', h('dl', {},
    ...kv('ledger', h('code', {}, st.ledger), 'ledger-key'),
    ...kv('device', h('code', {}, st.device), 'device-key'),
    ...kv('role', role),
    ...kv('writable', st.writable ? 'yes' : 'no'),
    ...kv('mode', st.mode),
    ...kv('protocol', String(st.protocol.active)),
    ...kv('applied / confirmed', `${v.length} / ${v.signedLength} blocks`, 'lengths'),
    ...kv('appended here', `${st.appended.entries} entries`)))
}

/** Connected peers with their path and view check. */
export function peers (list: Peer[]): void {
  show('peers', table(['peer', 'via', 'address', 'since', 'view check'], list.map((p) => ({
    attrs: { 'data-peer': p.publicKey, 'data-via': p.via },
    cells: [short(p.publicKey), p.via, p.address ?? '-', clock(p.connectedAt), p.view === null ? 'not stated yet' : h('span', { class: `check ${p.view.result}` }, `${p.view.result} (${p.view.position}, ${p.view.length})`)]
  })), 'no peers connected'))
}

/** Recent entries and their status changes; the median time to confirm. */
export function entries (rows: Tracked[], times: number[]): void {
  const sorted = [...times].sort((a, b) => a - b)
  show('confirm-time', sorted.length === 0 ? 'no confirmation seen yet' : `median time to confirm ${duration(sorted[Math.floor(sorted.length / 2)])} (last ${sorted.length})`)
  show('entries', table(['seen', 'type', 'writer', 'status', 'history'], rows.map((r) => ({
    attrs: { 'data-id': r.entry.id, 'data-status': r.entry.status, 'data-history': r.history.join(' ') },
    cells: [clock(r.seen), r.entry.type, short(r.entry.writer), h('span', { class: `status ${r.entry.status}` }, r.entry.status),
      r.history.join(' → ') + (r.toConfirm === undefined ? '' : ` in ${duration(r.toConfirm)}`)]
  })), 'no entries since the page opened'))
}

/** Members (quarantined ones marked) and invites. */
export function members (list: Member[], invites: Invite[]): void {
  show('members', table(['device', 'role', 'state'], list.map((m) => ({
    attrs: { 'data-member': m.key },
    cells: [short(m.key), m.role, m.removedAt !== undefined ? 'removed' : m.quarantined !== undefined ? h('span', { class: 'status held' }, `quarantined: ${m.quarantined.reason ?? 'no reason given'}`) : 'active']
  })), 'no members'))
  const now = Date.now()
  show('invites', table(['invite', 'role', 'used', 'expires'], invites.map((i) => ({
    cells: [short(i.id), i.role, `${i.used}/${i.uses}`, i.revokedBy !== undefined ? 'revoked' : i.expires !== 0 && i.expires < now ? 'expired' : i.expires === 0 ? 'never' : clock(i.expires)]
  })), 'no invites'))
}

/** Quarantined devices and recorded forks. */
export function trouble (list: Member[], forks: Fork[]): void {
  const held = list.filter((m) => m.quarantined !== undefined && m.removedAt === undefined)
  show('quarantined', table(['device', 'by', 'since', 'reason'], held.map((m) => ({
    cells: [short(m.key), short(m.quarantined?.by), clock(m.quarantined?.at ?? 0), m.quarantined?.reason ?? '-']
  })), 'no device is quarantined'))
  show('forks', table(['device', 'reported by', 'at length'], forks.map((f) => ({ cells: [short(f.key), short(f.reportedBy), f.length] })), 'no forks recorded'))
}

/** Assets; a click on one shows its history. */
export function assets (list: Asset[], open: (id: string) => void): void {
  show('assets', table(['asset', 'kind', 'owner', 'status', 'flags', 'steps'], list.map((a) => ({
    attrs: { class: 'clickable', 'data-asset': a.id, onclick: () => open(a.id) },
    cells: [a.id, a.kind, short(a.owner), a.status, a.flags.length === 0 ? '-' : h('span', { class: 'status held' }, a.flags.map((f) => typeof f === 'string' ? f : JSON.stringify(f)).join(', ')), a.steps]
  })), 'no assets'))
}

/** One asset's history. */
export function history (id: string, steps: AssetStep[]): void {
  show('asset-history', h('h3', {}, `history of ${id}`), table(['#', 'step', 'when', 'by', 'detail'], steps.map((x) => ({
    cells: [x.n, x.op + (x.kind === undefined ? '' : ` ${x.kind}`), clock(x.ts), short(x.writer), x.to !== undefined ? `to ${x.to}` : x.data === undefined ? '' : JSON.stringify(x.data)]
  })), 'no history'))
}

/** Alerts, newest first. */
export function alerts (list: Alert[]): void {
  show('alerts', table(['when', 'level', 'rule', 'asset', 'message'], [...list].reverse().map((a) => ({
    cells: [clock(a.ts), h('span', { class: `level ${a.level}` }, a.level), a.rule, a.asset ?? '-', a.message]
  })), 'no alerts'))
}

/** The last audit's verdict. */
export function audit (a: Audit): void {
  if (a.report === null || a.at === null) {
    show('verify', h('p', { class: 'empty' }, 'no audit since the daemon started'))
    return
  }
  const r = a.report
  show('verify', h('p', { class: r.ok ? 'ok' : 'bad', id: 'verify-verdict' }, r.ok ? `sound: ${r.writers.length} logs and the view (${r.viewLength} blocks)` : `FAILED: ${r.problems.length} problems`, ` — ${clock(a.at)}, took ${duration(r.took)}`),
    table(['problem'], r.problems.map((p) => ({ cells: [p.message] })), ''))
}
