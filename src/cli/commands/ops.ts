/**
 * The operator's commands: `doctor` (is this machine and folder fit to run a daemon), `backup`
 * (a consistent copy of a ledger's folder in one file) and `restore` (into an empty folder,
 * writing nothing until peers have given back what the device wrote after the backup).
 */
import path from 'node:path'
import { route, type Command } from '../command.js'
import { DEFAULT_DATA, EXIT } from '../constants.js'
import { print, printJson } from '../output.js'

const MARK = { ok: 'ok  ', warn: 'warn', fail: 'FAIL', skip: 'skip' } as const

const doctor: Command = {
  name: 'doctor',
  usage: '',
  summary: 'check this machine and data folder; exit 1 on any failure',
  description: 'One line per check: ok, warn, FAIL or skip, with the fix. Checks: 64-bit OS, Node.js version\n(20, 22, 24), the daemon (pid and address from daemon.json and /healthz), the API port free or\nthis folder\'s daemon on it, owner-only modes, the encryption key of an encrypted ledger, a\nrestore awaiting its log, free disk, the clock against the build date, the DHT (a bootstrap\nnode answering within 5 s) and LAN multicast. Warnings leave the exit code 0.',
  options: {
    port: { type: 'string', value: 'N', help: 'the API port to check (default: the daemon\'s configuration, 4737)' },
    host: { type: 'string', value: 'ADDR', help: 'the API address to check (default 127.0.0.1)' },
    bootstrap: { type: 'string', value: 'ADDRS', help: 'DHT bootstrap nodes to ping, host:port[,...] (default: the public DHT)' },
    'dht-host': { type: 'string', value: 'ADDR', help: 'address the DHT check binds' },
    'no-lan': { type: 'boolean', help: 'LAN discovery off: skip the multicast check' },
    'lan-only': { type: 'boolean', help: 'no DHT: skip the DHT check' },
    offline: { type: 'boolean', help: 'skip the network checks (DHT, multicast)' }
  },
  async run (ctx) {
    const { resolveConfig } = await import('../../daemon/config.js')
    const { runChecks } = await import('../doctor.js')
    const flags = { ...ctx.flags, data: ctx.data, offline: undefined }
    const config = await resolveConfig(flags, process.env, DEFAULT_DATA)
    const checks = await runChecks(config, ctx.flags.offline === true)
    const failed = checks.some((c) => c.status === 'fail')
    if (ctx.json) printJson({ ok: !failed, checks })
    else {
      const width = Math.max(...checks.map((c) => c.name.length))
      for (const c of checks) print(`${MARK[c.status]}  ${c.name.padEnd(width)}  ${c.detail}${c.fix === undefined ? '' : `\n      ${' '.repeat(width)}  fix: ${c.fix}`}`)
    }
    return failed ? EXIT.failed : EXIT.ok
  }
}

const backup: Command = {
  name: 'backup',
  usage: '<file>',
  summary: 'write a consistent copy of the ledger\'s folder to one file (tar)',
  description: 'Asks the daemon serving the folder (or opens the folder itself when none runs) for a copy of\nits storage taken at one instant: every entry acknowledged before the command started is in it.\nThe file is a tar: manifest.json (ledger and device keys, lengths, created-at), store/, config.json.\nRestore it with meshledger restore.',
  async run (ctx) {
    const { writeBackup } = await import('../backup-file.js')
    const file = path.resolve(ctx.args[0])
    const client = await ctx.client()
    const manifest = await writeBackup(await client.download('POST', route('backup')), file)
    if (ctx.json) printJson({ file, manifest })
    else print(`backed up ledger ${manifest.ledger}`, `  device ${manifest.device}: own log ${manifest.ownLog} blocks, view ${manifest.view} blocks, ${manifest.createdAt}`, `  to ${file}`)
  }
}

const restore: Command = {
  name: 'restore',
  usage: '<file>',
  summary: 'restore a backup into a new or empty data folder',
  description: 'Refuses a folder that is not empty. The restored device may be behind what it wrote after the\nbackup (peers hold those blocks): writing from the old position would fork its log. So it writes\nnothing (RESTORE_PENDING) until it has met peers on its log and caught up to the longest length\nthey hold; it reads, syncs and serves as usual meanwhile.',
  async run (ctx) {
    const { restoreBackup } = await import('../backup-file.js')
    const file = path.resolve(ctx.args[0])
    const manifest = await restoreBackup(file, ctx.data)
    if (ctx.json) printJson({ data: ctx.data, manifest })
    else print(`restored ledger ${manifest.ledger} (backup of ${manifest.createdAt}) into ${ctx.data}`, `  device ${manifest.device}: writes wait (RESTORE_PENDING) until peers give back its log; start the daemon online`)
  }
}

/** Doctor, backup and restore. */
export const opsCommands: Command[] = [doctor, backup, restore]
