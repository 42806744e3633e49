/**
 * Closing in steps where one failure must not stop the rest: a step left out could leave a
 * storage lock behind (the ledger's teardown, the daemon's shutdown).
 */

/** A named step of a close sequence. */
export type CloseStep = readonly [name: string, step: () => unknown]

/** Run every step in order, each one even when one before it failed; `failed` hears of each failure as it happens. */
export async function bestEffort (steps: readonly CloseStep[], failed: (err: unknown, name: string) => void): Promise<void> {
  for (const [name, step] of steps) {
    try {
      await step()
    } catch (err) {
      failed(err, name)
    }
  }
}
