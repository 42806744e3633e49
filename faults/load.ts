/**
 * Load for the fault suite: HTTP clients that POST entries back to back and remember every entry
 * the daemon acknowledged (201), and CPU hogs that keep the machine busy, since the torn writes
 * the suite hunts show mostly on a loaded machine.
 */
import { spawn, type ChildProcess } from 'node:child_process'

/** What the clients saw. */
export interface LoadResult {
  /** Ids the daemon answered 201 for. */
  acked: string[]
  /** Refusals by `status code` (e.g. `507 STORAGE_FULL`), and requests that got no answer. */
  refused: Map<string, number>
  failed: number
}

/** `clients` loops POSTing `body(i)` to `url` until `stop()`; resolves with what was acknowledged. */
export function postLoop (url: string, token: string, clients: number, body: (i: number) => unknown): { stop: () => Promise<LoadResult> } {
  const result: LoadResult = { acked: [], refused: new Map(), failed: 0 }
  let running = true
  let n = 0
  const loop = async (): Promise<void> => {
    while (running) {
      try {
        const res = await fetch(`${url}/v1/entries`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify(body(n++))
        })
        const reply = await res.json() as { id?: string, error?: { code: string } }
        if (res.status === 201 && typeof reply.id === 'string') result.acked.push(reply.id)
        else {
          const key = `${res.status} ${reply.error?.code ?? '?'}`
          result.refused.set(key, (result.refused.get(key) ?? 0) + 1)
        }
      } catch {
        // The daemon died under us (that is the point): an unanswered request promised nothing.
        result.failed++
        if (running) await new Promise((resolve) => setTimeout(resolve, 20))
      }
    }
  }
  const loops = Array.from({ length: clients }, loop)
  return {
    async stop () {
      running = false
      await Promise.all(loops)
      return result
    }
  }
}

/** `count` busy processes; returns the function that ends them. */
export function cpuHogs (count: number): () => void {
  const hogs: ChildProcess[] = []
  for (let i = 0; i < count; i++) hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
  return () => { for (const h of hogs) h.kill('SIGKILL') }
}

/** A random whole number of ms in [min, max). */
export function jitter (min: number, max: number): number {
  return min + Math.floor(Math.random() * (max - min))
}
