/**
 * `POST /v1/backup`: the ledger's storage as one tar stream (backup-format.ts). The copy is made
 * in the data folder while the ledger is held still for a few milliseconds (snapshot.ts), then
 * streamed at the client's pace with the ledger running again, and removed.
 */
import { randomBytes } from 'node:crypto'
import { access, copyFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { PassThrough } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Ledger } from '../ledger.js'
import { BACKUP_FORMAT, BACKUP_VERSION, CARRIED_FILES, MANIFEST_FILE, STORE_DIR, type BackupManifest } from './backup-format.js'
import { COMMON_ERRORS, errors, strict, type Api } from './schemas.js'

/** Temp copies in the data folder: `backup-<random>.tmp`. */
const TEMP = /^backup-[0-9a-f]{12}\.tmp$/

/** The tar's content type. */
const TAR = 'application/x-tar'

/**
 * Install the backup route on `app`; `data` is the daemon's data folder (the copy is made inside
 * it). Copies a daemon that stopped mid-backup left behind are removed first. tar is loaded on the
 * first backup, not with the daemon.
 */
export async function installBackupRoute (app: Api, ledger: () => Ledger, data: string): Promise<void> {
  for (const name of await readdir(data)) if (TEMP.test(name)) await rm(path.join(data, name), { recursive: true, force: true })
  app.post('/v1/backup', {
    schema: {
      summary: 'a consistent copy of the ledger\'s storage, as one tar (manifest.json, store/, config.json)',
      tags: ['device'],
      querystring: strict({}),
      response: {
        200: { description: 'the backup, streamed', content: { [TAR]: { schema: { type: 'string', format: 'binary' } } } },
        ...errors(...COMMON_ERRORS)
      }
    }
  }, async (_req, reply) => {
    const dir = path.join(data, `backup-${randomBytes(6).toString('hex')}.tmp`)
    const removeCopy = async (): Promise<void> => { await rm(dir, { recursive: true, force: true }) }
    try {
      const manifest = await snapshot(ledger(), data, dir)
      const { create } = await import('tar')
      // tar's stream is a minipass one: through a Node stream, which fastify knows how to send.
      const stream = new PassThrough()
      pipeline(create({ cwd: dir, portable: true }, [MANIFEST_FILE, ...await present(dir, CARRIED_FILES), STORE_DIR]), stream).catch(() => {})
      // Removed once the reply is over, whether the client read it all or went away.
      reply.raw.once('close', () => { removeCopy().catch(() => {}) })
      return reply
        .type(TAR)
        .header('content-disposition', `attachment; filename="meshledger-${manifest.createdAt.replace(/[:.]/g, '-')}.tar"`)
        .send(stream as unknown as string) // the schema types a body as text; a stream is sent as it comes
    } catch (err) {
      await removeCopy()
      throw err
    }
  })
}

async function snapshot (ledger: Ledger, data: string, dir: string): Promise<BackupManifest> {
  const at = await ledger.snapshot(path.join(dir, STORE_DIR))
  const manifest: BackupManifest = { format: BACKUP_FORMAT, version: BACKUP_VERSION, createdAt: new Date().toISOString(), ...at }
  await writeFile(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 })
  for (const name of CARRIED_FILES) {
    await copyFile(path.join(data, name), path.join(dir, name)).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
  }
  return manifest
}

/** The names in `names` that exist in `dir`. */
async function present (dir: string, names: string[]): Promise<string[]> {
  const out: string[] = []
  for (const name of names) if (await access(path.join(dir, name)).then(() => true, () => false)) out.push(name)
  return out
}
