/**
 * Owner-only storage. A device's folder holds its writer's secret key and the ledger's encryption
 * key (RocksDB keeps both in its files), so nobody else on the machine may read it, whatever the
 * umask: folders 0700, files 0600. An existing folder with looser modes is tightened on open.
 */
import { chmod, lstat, mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'

const FOLDER_MODE = 0o700
const FILE_MODE = 0o600
/** Permission bits anyone but the owner holds. */
const OTHERS = 0o077

/**
 * Create `folder` (and its parents) owner-only if it does not exist, then tighten it and
 * everything under it (symlinks are left alone). Resolves with the paths whose modes changed.
 */
export async function ownerOnly (folder: string): Promise<string[]> {
  await mkdir(folder, { recursive: true, mode: FOLDER_MODE })
  const changed: string[] = []
  const stack = [folder]
  while (stack.length > 0) {
    const current = stack.pop() as string
    // Files come and go under a running RocksDB: one gone meanwhile needs nothing.
    const stat = await gone(lstat(current))
    if (stat === null || stat.isSymbolicLink()) continue
    const isFolder = stat.isDirectory()
    if ((stat.mode & OTHERS) !== 0 && await gone(chmod(current, isFolder ? FOLDER_MODE : FILE_MODE)) !== null) changed.push(current)
    if (isFolder) for (const name of await gone(readdir(current)) ?? []) stack.push(path.join(current, name))
  }
  return changed
}

/** Paths under `folder` (itself included) that others than the owner may read or enter; nothing changes. */
export async function loosePaths (folder: string): Promise<string[]> {
  const loose: string[] = []
  const stack = [folder]
  while (stack.length > 0) {
    const current = stack.pop() as string
    const stat = await gone(lstat(current))
    if (stat === null || stat.isSymbolicLink()) continue
    if ((stat.mode & OTHERS) !== 0) loose.push(current)
    if (stat.isDirectory()) for (const name of await gone(readdir(current)) ?? []) stack.push(path.join(current, name))
  }
  return loose
}

/** The promise's value, or null when the path no longer exists. */
async function gone<T> (promise: Promise<T>): Promise<T | null> {
  try {
    return await promise
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
    throw err
  }
}
