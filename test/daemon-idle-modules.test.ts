/**
 * What an idle daemon keeps loaded: its HTTP layer and metrics, but not code it never runs.
 * fastify loads its default compilers (@fastify/ajv-compiler with two ajv instances and ajv's JTD,
 * fast-json-stringify) unless given others, and prom-client loads @opentelemetry/api (51 modules)
 * for exemplars, which the daemon does not use: about 2 MB of an idle daemon's heap. Checked in a
 * fresh process, since other tests load these on purpose.
 */
import { spawnSync } from 'node:child_process'
import test from 'brittle'

const HTTP = new URL('../src/daemon/http.js', import.meta.url).href
const METRICS = new URL('../src/daemon/metrics.js', import.meta.url).href

/** Packages that must stay unloaded. */
const UNUSED = ['@fastify/ajv-compiler', '@fastify/fast-json-stringify-compiler', 'fast-json-stringify/index.js', '@opentelemetry/api']

const SCRIPT = `
import { createRequire } from 'node:module'
const { createApi } = await import(${JSON.stringify(HTTP)})
const { Metrics } = await import(${JSON.stringify(METRICS)})
const api = await createApi({ maxBody: 1024, authenticators: [], onerror () {}, onresponse () {} })
api.get('/x', { schema: { querystring: { type: 'object', properties: { a: { type: 'integer' } }, additionalProperties: false } } }, async () => ({ ok: true }))
await api.ready()
const metrics = new Metrics({ ledger () { throw new Error('no ledger') }, ready: async () => true, data: '.' })
metrics.close()
await api.close()
console.log(JSON.stringify(Object.keys(createRequire(import.meta.url).cache)))
`

test('an idle daemon\'s HTTP layer and metrics load no compiler or tracing module they never use', (t) => {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', SCRIPT], { encoding: 'utf8' })
  t.is(run.status, 0, run.stderr)
  const loaded = JSON.parse(run.stdout) as string[]
  t.ok(loaded.some((f) => f.includes('/node_modules/fastify/')), 'fastify is loaded (the check sees the module cache)')
  for (const name of UNUSED) t.absent(loaded.find((f) => f.includes(`/node_modules/${name}`)), `${name} not loaded`)
})
