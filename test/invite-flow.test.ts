/**
 * The invite flow as the README walks through it: `meshledger invite --qr` on a daemon that uses
 * its own DHT bootstrap nodes prints a QR code of the invite and a hint with those nodes;
 * `meshledger join` saves them in the new folder's config.json, so its daemon, started with no
 * network flags, pairs and replicates over the same DHT.
 */
import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import test from 'brittle'
import qrcode from 'qrcode-generator'
import { resolveConfig } from '../src/daemon/config.js'
import { QR_MARGIN, qrLines } from '../src/cli/qr.js'
import { BIN, spawnDaemon } from './helpers/daemon.js'
import { testnet, tmp } from './helpers/index.js'

const run = promisify(execFile)

/** The dark modules a block of half-block lines shows (quiet zone removed). */
function decodeBlocks (lines: string[]): boolean[][] {
  const rows: boolean[][] = []
  for (const line of lines) {
    const chars = [...line]
    rows.push(chars.map((c) => c === ' ' || c === '▄'))
    rows.push(chars.map((c) => c === ' ' || c === '▀'))
  }
  const n = rows[0].length - 2 * QR_MARGIN
  return rows.slice(QR_MARGIN, QR_MARGIN + n).map((r) => r.slice(QR_MARGIN, QR_MARGIN + n))
}

/** The same text's modules from qrcode-generator itself. */
function expected (text: string): boolean[][] {
  const qr = qrcode(0, 'M')
  qr.addData(text)
  qr.make()
  const n = qr.getModuleCount()
  return Array.from({ length: n }, (_, r) => Array.from({ length: n }, (_, c) => qr.isDark(r, c)))
}

test('a QR code in half blocks holds exactly the modules of the generator, with a quiet zone', (t) => {
  const text = 'yry'.repeat(37)
  const lines = qrLines(text)
  const modules = expected(text)
  t.is([...lines[0]].length, modules.length + 2 * QR_MARGIN, 'as wide as the code and its margins')
  t.is(lines.length, Math.ceil((modules.length + 2 * QR_MARGIN) / 2), 'two rows a line')
  t.alike(decodeBlocks(lines), modules)
  t.ok(qrLines(text, { color: true }).every((l) => l.startsWith('\x1b[97;40m') && l.endsWith('\x1b[0m')), 'white on black on a terminal')
})

test('invite --qr on a daemon with its own bootstrap nodes, join, and a daemon with no network flags', { timeout: 120_000 }, async (t) => {
  const net = await testnet(t)
  const boot = (net.bootstrap ?? []).map((b) => typeof b === 'string' ? b : `${b.host}:${b.port}`).join(',')
  const dirA = await tmp(t)
  const a = await spawnDaemon(t, dirA, ['--bootstrap', boot, '--dht-host', '127.0.0.1', '--no-lan'], { offline: false })

  const { stdout } = await run(process.execPath, [BIN, 'invite', '--qr', '--data', dirA])
  const code = /^invite +(\S+)$/m.exec(stdout)?.[1] ?? ''
  const blocks = stdout.split('\n').filter((l) => l.length > 0 && /^[ █▀▄]+$/.test(l))
  t.alike(decodeBlocks(blocks), expected(code), 'the QR code printed is the invite code')
  t.ok(stdout.includes(`meshledger join <invite> --data DIR --bootstrap ${boot} --dht-host 127.0.0.1`), 'the hint carries the daemon\'s DHT settings')

  const dirB = path.join(await tmp(t), 'device-b')
  const joined = JSON.parse((await run(process.execPath, [BIN, 'join', code, '--data', dirB, '--bootstrap', boot, '--dht-host', '127.0.0.1', '--json'])).stdout) as { ledger: string, device: string, config: string }
  t.is(joined.config, path.join(dirB, 'config.json'))
  t.alike(JSON.parse(await readFile(joined.config, 'utf8')), { bootstrap: boot.split(','), dhtHost: '127.0.0.1' }, 'join saved the DHT settings')
  const config = await resolveConfig({ data: dirB }, {}, dirB)
  t.alike([config.bootstrap, config.dhtHost], [boot.split(','), '127.0.0.1'], 'and they are the daemon\'s configuration there')
  if (config.bootstrap === null) return // never start a test daemon on the public DHT

  // This took 15-80 s (once over 300 s) before patches/hyperdht+6.34.0.patch: test/dht-lan-race.test.ts.
  const b = await spawnDaemon(t, dirB, ['--no-lan'], { offline: false })
  t.alike((await b.api('GET', '/v1/status')).body.network.bootstrap, boot.split(','), 'the daemon uses them')
  await b.logged((e) => e.event === 'writable')
  const entry = (await b.api('POST', '/v1/entries', { type: 'note', data: 'from b' })).body.id as string
  while ((await a.api('GET', `/v1/entries/${entry}`)).status !== 200) await new Promise((resolve) => setTimeout(resolve, 100))
  t.pass('the entry reached the inviting daemon')
})
