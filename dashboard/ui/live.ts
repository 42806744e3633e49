/**
 * The daemon's event stream (`/v1/stream`, Server-Sent Events). EventSource reconnects by itself
 * after a dropped connection; when the server refuses the stream instead (it was down when the
 * browser retried, or answered 401), EventSource gives up and this opens a new one, backing off
 * 1 s doubling to 15 s. After each (re)connect `onopen` runs, so the page fills what it missed.
 */
import type { Entry } from './types.js'

const RETRY_MS = [1000, 15_000]

/** What the stream reports. */
export interface LiveHandlers {
  onentry (entry: Entry): void
  onreorder (rewound: string[]): void
  onopen (): void
  onstate (state: 'live' | 'reconnecting'): void
}

/** Follow the stream for as long as the page is open. */
export function follow (handlers: LiveHandlers): void {
  let wait = RETRY_MS[0]
  const connect = (): void => {
    const es = new EventSource('/v1/stream')
    es.addEventListener('open', () => {
      wait = RETRY_MS[0]
      handlers.onstate('live')
      handlers.onopen()
    })
    es.addEventListener('entry', (ev) => handlers.onentry(JSON.parse((ev as MessageEvent<string>).data) as Entry))
    es.addEventListener('reorder', (ev) => handlers.onreorder((JSON.parse((ev as MessageEvent<string>).data) as { rewound: string[] }).rewound))
    es.addEventListener('error', () => {
      handlers.onstate('reconnecting')
      if (es.readyState !== EventSource.CLOSED) return
      setTimeout(connect, wait)
      wait = Math.min(wait * 2, RETRY_MS[1])
    })
  }
  connect()
}
