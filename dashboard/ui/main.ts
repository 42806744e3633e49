/**
 * The dashboard page: signs in with the session cookie, follows the event stream, and refreshes
 * the cards from the JSON API: status every 2 s, pending entries' status every 0.5 s, the lists
 * every 10 s and, at most every 2 s, after the stream reported entries.
 */
import { begin, get, post, route, SignedOut } from './api.js'
import { byId, h, show } from './dom.js'
import { follow } from './live.js'
import * as panel from './panels.js'
import { bars, lines } from './plots.js'
import { qrSvg } from './qr.js'
import { Recent } from './recent.js'
import type { Alert, Asset, AssetStep, Audit, Entry, Fork, Invite, Member, Status } from './types.js'

const STATUS_MS = 2000
const PENDING_MS = 500
const LISTS_MS = 10_000
const LISTS_SOON_MS = 2000
const WINDOW_MS = 5 * 60_000
const BUCKET_MS = 5000

const recent = new Recent()
const applied: Array<[number, number]> = []
const confirmed: Array<[number, number]> = []
const ingest = new Map<number, number>()
let members: Member[] = []
let listsSoon: ReturnType<typeof setTimeout> | null = null

function trim (points: Array<[number, number]>): void {
  while (points.length > 0 && points[0][0] < Date.now() - WINDOW_MS) points.shift()
}

function ingestSeries (): Array<[number, number]> {
  const now = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS
  const out: Array<[number, number]> = []
  for (let t = now - WINDOW_MS; t <= now; t += BUCKET_MS) out.push([t, (ingest.get(t) ?? 0) / (BUCKET_MS / 1000)])
  for (const t of ingest.keys()) if (t < now - WINDOW_MS) ingest.delete(t)
  return out
}

async function status (): Promise<void> {
  const st = await get<Status>('/v1/status')
  const now = Date.now()
  applied.push([now, st.view.length])
  confirmed.push([now, st.view.signedLength])
  trim(applied)
  trim(confirmed)
  panel.device(st, members.find((m) => m.key === st.device)?.role ?? 'not a member')
  panel.peers(st.peers)
  show('plot-lengths', lines([{ name: 'applied', className: 'applied', points: applied }, { name: 'confirmed', className: 'confirmed', points: confirmed }], WINDOW_MS, now))
  show('plot-ingest', lines([{ name: 'entries/s', className: 'applied', points: ingestSeries() }], WINDOW_MS, now))
  show('plot-lag', bars(st.writers.map((w) => ({ label: w.key.slice(0, 6), value: w.lag })), 'blocks behind'))
}

async function pending (): Promise<void> {
  if (await recent.check()) panel.entries(recent.rows, recent.times)
}

/** Entries may have changed members, invites, assets, alerts or forks: refresh them soon, once. */
function listsAfterEntries (): void {
  listsSoon ??= setTimeout(() => {
    listsSoon = null
    lists().catch(failed)
  }, LISTS_SOON_MS)
}

async function lists (): Promise<void> {
  const [m, inv, as, al, fk, audit] = await Promise.all([
    get<{ members: Member[] }>('/v1/members?all=true'), get<{ invites: Invite[] }>('/v1/invites'), get<{ assets: Asset[] }>('/v1/assets'),
    get<{ alerts: Alert[] }>('/v1/alerts'), get<{ forks: Fork[] }>('/v1/forks'), get<Audit>('/v1/dashboard/verify')
  ])
  members = m.members
  panel.members(members, inv.invites)
  panel.trouble(members, fk.forks)
  panel.assets(as.assets, (id) => { openAsset(id).catch(failed) })
  panel.alerts(al.alerts)
  panel.audit(audit)
}

async function openAsset (id: string): Promise<void> {
  panel.history(id, (await get<{ history: AssetStep[] }>(route('assets', id, 'history'))).history)
}

async function backfill (): Promise<void> {
  const { entries } = await get<{ entries: Entry[] }>('/v1/entries?reverse=true&limit=10')
  for (const e of entries.reverse()) recent.add(e)
  panel.entries(recent.rows, recent.times)
}

async function invite (): Promise<void> {
  const role = (byId('invite-role') as HTMLSelectElement).value
  const created = await post<{ code: string, id: string, expires: number }>('/v1/invites', { role })
  show('invite-new', h('p', {}, `invite for a ${role}, until ${new Date(created.expires).toLocaleString()}:`), h('code', { id: 'invite-code' }, created.code), qrSvg(created.code))
  await lists()
}

async function verify (): Promise<void> {
  show('verify', h('p', {}, 'auditing every log and rebuilding the view…'))
  panel.audit(await post<Audit>('/v1/dashboard/verify'))
}

function failed (err: unknown): void {
  if (err instanceof SignedOut) {
    signedOut()
    return
  }
  show('error', err instanceof Error ? err.message : String(err))
}

function signedOut (): void {
  document.body.classList.add('signed-out')
  show('connection', 'signed out')
}

function every (ms: number, fn: () => Promise<void>): void {
  const run = (): void => { fn().then(() => show('error'), failed).finally(() => setTimeout(run, ms)) }
  run()
}

async function start (): Promise<void> {
  if (!await begin()) {
    signedOut()
    return
  }
  byId('invite-create').addEventListener('click', () => { invite().catch(failed) })
  byId('verify-run').addEventListener('click', () => { verify().catch(failed) })
  every(LISTS_MS, lists)
  every(STATUS_MS, status)
  every(PENDING_MS, pending)
  follow({
    onentry (entry) {
      recent.add(entry)
      const bucket = Math.floor(Date.now() / BUCKET_MS) * BUCKET_MS
      ingest.set(bucket, (ingest.get(bucket) ?? 0) + 1)
      panel.entries(recent.rows, recent.times)
      listsAfterEntries()
    },
    onreorder (rewound) {
      recent.rewind(rewound)
      panel.entries(recent.rows, recent.times)
    },
    onopen () { backfill().catch(failed) },
    onstate (state) {
      show('connection', state)
      byId('connection').className = state
      // A refused stream may be an ended session: check, so the page says so.
      if (state === 'reconnecting') begin().then((ok) => { if (!ok) signedOut() }, () => {})
    }
  })
}

start().catch(failed)
