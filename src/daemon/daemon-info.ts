/**
 * Where a daemon's files live in its data folder, and what its `daemon.json` says: the address
 * local programs (the `meshledger` command) reach it at while it runs.
 */
import { readFile } from 'node:fs/promises'
import path from 'node:path'

/** What `<data>/daemon.json` holds while a daemon runs. */
export interface DaemonInfo {
  pid: number
  url: string
}

/**
 * The files a daemon keeps in its data folder. The ledger's storage gets a folder of its own:
 * on first creation the storage layer sweeps up files it does not know.
 */
export function daemonFiles (data: string): { info: string, token: string, store: string, config: string } {
  return { info: path.join(data, 'daemon.json'), token: path.join(data, 'api-token'), store: path.join(data, 'store'), config: path.join(data, 'config.json') }
}

/**
 * What daemon.json says serves a data folder, or null (no file, or a dead pid). A live pid is not
 * proof: after a reboot it may be an unrelated process. Only the storage lock is.
 */
export async function runningDaemon (data: string): Promise<DaemonInfo | null> {
  let info: DaemonInfo
  try {
    info = JSON.parse(await readFile(daemonFiles(data).info, 'utf8')) as DaemonInfo
  } catch {
    return null
  }
  if (typeof info?.pid !== 'number' || typeof info.url !== 'string' || !alive(info.pid)) return null
  return info
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}
