/**
 * Issue 10, finding 2: a crash between the storage writes of one Autobase flush must not leave
 * the view holding a node twice. The child dies (SIGKILL) right after the first RocksDB write
 * that carries a new entry; the folder is then reopened and a fresh replica must match the view
 * and see it signed. Fails on Autobase 7.28.1 as published; passes with patches/autobase+7.28.1.patch.
 */
import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'brittle'
import { openPlain, readView, replicaMatches } from '../faults/plain-base.js'
import { BEFORE, MARKER } from './torn-flush-child.js'
import { tmp } from './helpers/index.js'

const CHILD = fileURLToPath(new URL('./torn-flush-child.js', import.meta.url))

/** Run the child on `dir`; resolves with its stdout and how it ended. */
function runChild (dir: string): Promise<{ out: string, signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, dir], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => { out += chunk })
    child.on('error', reject)
    child.on('exit', (_code, signal) => resolve({ out, signal }))
  })
}

test('torn flush: a kill right after the first write of a flush leaves a view a fresh replica matches and signs', async (t) => {
  const dir = await tmp(t)
  const primaryDir = path.join(dir, 'primary')

  const { out, signal } = await runChild(primaryDir)
  t.is(out, 'ready\n', 'the child got to the armed append')
  t.is(signal, 'SIGKILL', 'the child died at the seam')

  const primary = await openPlain(primaryDir)
  t.teardown(() => primary.close())
  const state = await readView(primary.base)
  for (const v of BEFORE) t.ok(state.keySet.has(v), `${v} survived`)
  t.ok(state.keySet.has(MARKER), 'the write the kill followed reached storage')
  t.is(state.viewLength, state.keys + 1, 'one Hyperbee block per key: no node applied twice')

  t.ok(await replicaMatches(primary, path.join(dir, 'replica'), Buffer.from('probe')),
    'a fresh replica reaches the same view (length, tree hash), all signed')
})
