/**
 * The event stream resumes: every event carries an `id:`; a client that reconnects with
 * `Last-Event-ID` gets what it missed, or a `reset` event when the daemon no longer holds it.
 */
import test from 'brittle'
import { tmp } from './helpers/index.js'
import { spawnDaemon, type DaemonProcess } from './helpers/daemon.js'

interface Event { id?: string, event: string, data: string }

/** Open `/v1/stream?type=note`; resolves once the daemon answered (it watches from then on). */
async function open (d: DaemonProcess, lastEventId?: string): Promise<{ take: (n: number) => Promise<Event[]>, close: () => void }> {
  const ctrl = new AbortController()
  const headers: Record<string, string> = { authorization: `Bearer ${d.token}` }
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId
  const res = await fetch(d.url + '/v1/stream?type=note', { headers, signal: ctrl.signal })
  if (res.status !== 200) throw new Error(`the stream answered ${res.status}: ${await res.text()}`)
  const reader = (res.body as ReadableStream<Uint8Array>).getReader()
  const events: Event[] = []
  let text = ''
  const take = async (n: number): Promise<Event[]> => {
    while (events.length < n) {
      text += Buffer.from((await reader.read()).value ?? []).toString()
      let end: number
      while ((end = text.indexOf('\n\n')) !== -1) {
        const block = text.slice(0, end)
        text = text.slice(end + 2)
        if (block.startsWith(':')) continue
        const ev: Event = { event: 'message', data: '' }
        for (const line of block.split('\n')) {
          const i = line.indexOf(': ')
          const [field, value] = [line.slice(0, i), line.slice(i + 2)]
          if (field === 'id') ev.id = value
          if (field === 'event') ev.event = value
          if (field === 'data') ev.data = value
        }
        events.push(ev)
      }
    }
    return events.slice(0, n)
  }
  return { take, close: () => ctrl.abort() }
}

test('the stream: ids on every event; Last-Event-ID replays what was missed', async (t) => {
  const d = await spawnDaemon(t, await tmp(t))
  const first = await open(d)
  const one = await d.api('POST', '/v1/entries', { type: 'note', data: 'one' })
  const [seen] = await first.take(1)
  first.close()
  t.is(JSON.parse(seen.data).id, one.body.id)
  t.ok(typeof seen.id === 'string' && seen.id !== '', `id: ${String(seen.id)}`)

  const two = await d.api('POST', '/v1/entries?wait=confirmed', { type: 'note', data: 'two' })
  const three = await d.api('POST', '/v1/entries?wait=confirmed', { type: 'note', data: 'three' })
  const again = await open(d, seen.id)
  const missed = await again.take(2)
  again.close()
  t.alike(missed.map((e) => JSON.parse(e.data).id), [two.body.id, three.body.id], 'the two written while away, in order')
  t.ok(missed.every((e) => e.event === 'entry' && e.id !== undefined && e.id !== seen.id))

  const lost = await open(d, 'not-an-id-of-this-daemon')
  const [reset] = await lost.take(1)
  lost.close()
  t.is(reset.event, 'reset', 'an id the daemon cannot resume from is said so')
  t.is(JSON.parse(reset.data).lastEventId, 'not-an-id-of-this-daemon')
})
