/**
 * The code map's rules (README, Development), checked over the import graph of `src/`: every
 * relative `import`/`export ... from` and `import('...')` of each .ts file, type-only ones too.
 */
import { readFileSync, readdirSync } from 'node:fs'
import { join, posix, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import test from 'brittle'

const SRC = fileURLToPath(new URL('../../src/', import.meta.url))

/** Modules that reach a clock, the disk, the network or the process. */
const IO_MODULES = [
  'node:fs', 'node:fs/promises', 'node:net', 'node:dgram', 'node:http', 'node:os', 'node:child_process',
  'node:timers', 'node:process', 'corestore', 'hypercore-storage', 'hyperswarm', 'hyperdht',
  'multicast-dns', 'blind-pairing', 'protomux'
]

interface Module { file: string, layer: string, relative: string[], packages: string[], text: string }

function walk (dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(p)
  }
  return out
}

function layerOf (file: string): string {
  const parts = file.split('/')
  return parts.length === 1 ? 'top' : parts[0] as string
}

function load (): Map<string, Module> {
  const modules = new Map<string, Module>()
  for (const path of walk(SRC)) {
    const file = relative(SRC, path).split('\\').join('/')
    const text = readFileSync(path, 'utf8')
    const relativeImports: string[] = []
    const packages: string[] = []
    const found = /^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]|^\s*import\s*['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/gm
    for (const m of text.matchAll(found)) {
      const spec = (m[1] ?? m[2] ?? m[3]) as string
      if (spec.startsWith('.')) relativeImports.push(posix.normalize(posix.join(posix.dirname(file), spec)).replace(/\.js$/, '.ts'))
      else packages.push(spec)
    }
    modules.set(file, { file, layer: layerOf(file), relative: relativeImports, packages, text })
  }
  return modules
}

const modules = load()

function violations (layer: string, ok: (target: Module) => boolean): string[] {
  const bad: string[] = []
  for (const m of modules.values()) {
    if (m.layer !== layer) continue
    for (const r of m.relative) {
      const target = modules.get(r)
      if (target !== undefined && !ok(target)) bad.push(`${m.file} -> ${r}`)
    }
  }
  return bad
}

function ioImports (layer: string): string[] {
  const bad: string[] = []
  for (const m of modules.values()) {
    if (m.layer !== layer) continue
    for (const p of m.packages) if (IO_MODULES.includes(p)) bad.push(`${m.file} -> ${p}`)
  }
  return bad
}

test('layers: the graph is read (every relative import resolves)', (t) => {
  t.ok(modules.size > 50, `${modules.size} modules`)
  const missing: string[] = []
  for (const m of modules.values()) {
    for (const r of m.relative) if (!modules.has(r) && !r.startsWith('types/')) missing.push(`${m.file} -> ${r}`)
  }
  t.alike(missing, [])
})

test('layers: no import cycle in src/', (t) => {
  const cycles: string[] = []
  const state = new Map<string, 'open' | 'done'>()
  const stack: string[] = []
  const visit = (file: string): void => {
    state.set(file, 'open')
    stack.push(file)
    for (const next of modules.get(file)?.relative ?? []) {
      if (!modules.has(next)) continue
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next].join(' -> '))
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(file, 'done')
  }
  for (const file of [...modules.keys()].sort()) if (state.get(file) === undefined) visit(file)
  t.alike(cycles, [])
})

test('layers: protocol/ imports only protocol/, errors.ts and keys.ts, and nothing that does I/O', (t) => {
  t.alike(violations('protocol', (m) => m.layer === 'protocol' || m.file === 'errors.ts' || m.file === 'keys.ts'), [])
  t.alike(ioImports('protocol'), [])
})

test('layers: proofs/ is pure: protocol/, proofs/, errors.ts and keys.ts, no I/O', (t) => {
  t.alike(violations('proofs', (m) => ['protocol', 'proofs'].includes(m.layer) || m.file === 'errors.ts' || m.file === 'keys.ts'), [])
  t.alike(ioImports('proofs'), [])
})

test('layers: apply/ reads no clock, no randomness, no I/O, and imports no net/, replica/, view/', (t) => {
  t.alike(violations('apply', (m) => ['protocol', 'proofs', 'apply'].includes(m.layer) || m.file === 'errors.ts' || m.file === 'keys.ts'), [])
  t.alike(ioImports('apply'), [])
  const impure: string[] = []
  for (const m of modules.values()) {
    if (m.layer !== 'apply') continue
    for (const word of ['Date.now(', 'new Date(', 'Math.random(', 'setTimeout(', 'setInterval(', 'process.', 'performance.']) {
      if (m.text.includes(word)) impure.push(`${m.file}: ${word}`)
    }
  }
  t.alike(impure, [])
})

test('layers: net/ never imports apply/, replica/, view/ or audit/', (t) => {
  t.alike(violations('net', (m) => !['apply', 'replica', 'view', 'audit'].includes(m.layer)), [])
})

test('layers: view/ never writes: no apply/ router, replica/, net/; no put, del, append or batch', (t) => {
  t.alike(violations('view', (m) => !['replica', 'net', 'audit'].includes(m.layer) && m.file !== 'apply/router.ts' && m.file !== 'apply/dry-run.ts'), [])
  const writes: string[] = []
  for (const m of modules.values()) {
    if (m.layer !== 'view') continue
    for (const word of ['.put(', '.del(', '.append(', '.batch(', 'putJson(']) if (m.text.includes(word)) writes.push(`${m.file}: ${word}`)
  }
  t.alike(writes, [])
})

test('layers: the library never imports daemon/ or cli/; the daemon never imports cli/', (t) => {
  t.alike(violations('daemon', (m) => m.layer !== 'cli'), [])
  for (const layer of ['top', 'protocol', 'proofs', 'apply', 'view', 'net', 'replica', 'audit']) {
    t.alike(violations(layer, (m) => m.layer !== 'daemon' && m.layer !== 'cli'), [], layer)
  }
})
