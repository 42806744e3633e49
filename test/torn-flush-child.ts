/**
 * Child of test/torn-flush.test.ts: on a plain Autobase + Hyperbee in `argv[2]`, append three
 * entries, then append the marker with the process armed to die (SIGKILL) right after the first
 * storage write that carries it. Prints `ready` before the armed append.
 */
import { fileURLToPath } from 'node:url'
import { killAfterWriteContaining } from '../faults/kill-at-write.js'
import { openPlain } from '../faults/plain-base.js'

/** The entries written before the crash, and the one whose flush is cut. */
export const BEFORE = ['alpha', 'bravo', 'charlie']
export const MARKER = 'marker-torn-flush-7f3a'

async function main (dir: string): Promise<void> {
  const { base, store } = await openPlain(dir)
  for (const v of BEFORE) await base.append(Buffer.from(v))
  await base.update()
  process.stdout.write('ready\n')
  killAfterWriteContaining(store, Buffer.from(MARKER))
  await base.append(Buffer.from(MARKER))
  // Not reached when the seam works: the write carrying the marker kills the process.
  process.stdout.write('survived\n')
  process.exit(3)
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main(process.argv[2])
