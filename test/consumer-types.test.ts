/**
 * The types ship: a consumer project compiles against the packed package (`npm pack`) with
 * `strict` and `skipLibCheck: false`, so every shipped .d.ts the public types reach is checked,
 * including the narrow declarations of the untyped dependencies (src/types/*.d.cts).
 * Offline: the package's dependencies and @types/node are this repo's node_modules, linked.
 */
import { execFile } from 'node:child_process'
import { mkdir, readdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import test from 'brittle'
import { tmp } from './helpers/index.js'

const run = promisify(execFile)
const ROOT = fileURLToPath(new URL('../../', import.meta.url))
const TSC = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc')

const CONSUMER = `import { Ledger, join, type LedgerOptions, type PeerInfo, type SwarmKey } from 'meshledger'
import { MeshledgerError, isMeshledgerError, type ErrorCode } from 'meshledger/errors'

export async function main (storage: string): Promise<void> {
  const options: LedgerOptions = { storage, swarm: false }
  const ledger = new Ledger(options)
  ledger.on('peer-add', (peer: PeerInfo) => { peer.publicKey satisfies SwarmKey })
  ledger.on('fork', (report) => { console.log(report) })
  // @ts-expect-error: there is no such event, so the listener types are live
  ledger.on('peer-added', () => {})
  try {
    const other: Ledger = await join('not-an-invite', { storage: storage + '-2', swarm: false })
    await other.close()
  } catch (err) {
    if (isMeshledgerError(err)) { const code: ErrorCode = err.code; console.log(code) }
    if (err instanceof MeshledgerError) console.log(err.message)
  }
  await ledger.close()
}
`

const TSCONFIG = {
  compilerOptions: {
    strict: true,
    skipLibCheck: false,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'ES2022',
    types: ['node'],
    noEmit: true
  },
  files: ['index.ts']
}

test('types: a strict consumer with skipLibCheck false compiles against the packed package', { timeout: 60000 }, async (t) => {
  const dir = await tmp(t)
  await run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], { cwd: ROOT })
  const tarball = (await readdir(dir)).find((f) => f.endsWith('.tgz'))
  t.ok(tarball, 'npm pack made a tarball')
  if (tarball === undefined) return

  const pkg = path.join(dir, 'node_modules', 'meshledger')
  await mkdir(pkg, { recursive: true })
  await run('tar', ['xzf', path.join(dir, tarball), '-C', pkg, '--strip-components=1'])
  await symlink(path.join(ROOT, 'node_modules'), path.join(pkg, 'node_modules'), 'dir')
  await mkdir(path.join(dir, 'node_modules', '@types'))
  await symlink(path.join(ROOT, 'node_modules', '@types', 'node'), path.join(dir, 'node_modules', '@types', 'node'), 'dir')
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }))
  await writeFile(path.join(dir, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2))
  await writeFile(path.join(dir, 'index.ts'), CONSUMER)

  let code = 0
  let output = ''
  try {
    const out = await run(process.execPath, [TSC, '-p', dir], { cwd: dir })
    output = out.stdout + out.stderr
  } catch (err) {
    const e = err as { code?: number, stdout?: string, stderr?: string }
    code = typeof e.code === 'number' ? e.code : 1
    output = (e.stdout ?? '') + (e.stderr ?? '')
  }
  if (code !== 0) t.comment(output)
  t.is(code, 0, 'tsc exits 0 (its output is printed above on failure)')
})
