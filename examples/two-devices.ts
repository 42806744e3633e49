/**
 * Two devices on a private DHT testnet (loopback, no internet): a creates a ledger, admits b as a
 * writer, b writes, a sees it, and both watch it become final.
 *
 *   npm run build && node dist/examples/two-devices.js
 */
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import createTestnet from 'hyperdht/testnet.js'
import { Ledger } from '../src/index.js'

const testnet = await createTestnet(3)
const net = { bootstrap: testnet.bootstrap, dhtHost: '127.0.0.1' }
const dirs = await Promise.all(['a', 'b'].map((n) => mkdtemp(path.join(tmpdir(), `meshledger-example-${n}-`))))

const a = new Ledger({ storage: dirs[0], ...net })
await a.ready()
console.log(`a created ledger ${a.key}`)

const b = new Ledger({ storage: dirs[1], key: a.key, encryptionKey: a.encryptionKey, ...net })
await b.ready()
console.log(`b joined as device ${b.deviceKey} (writable: ${b.writable})`)

await a.addMember(b.deviceKey, { role: 'writer' })
await new Promise<void>((resolve) => (b.writable ? resolve() : b.once('writable', resolve)))
console.log('a admitted b as a writer')

const entry = await b.append({ type: 'inspection', data: { vehicle: 'VIN123', result: 'pass' } })
console.log(`b appended ${entry.id} (${entry.status})`)

const confirmed = await a.confirmed(entry.id)
console.log(`a sees it ${confirmed.status}, written by ${confirmed.writer === b.deviceKey ? 'b' : 'someone else'}:`, confirmed.data)

for await (const e of a.query({ type: 'inspection' })) console.log('query:', e.id, e.data)

await b.close()
await a.close()
await testnet.destroy()
await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })))
