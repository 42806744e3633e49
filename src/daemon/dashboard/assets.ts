/**
 * The dashboard's built files (`dist/dashboard/public`, made by `npm run build` / `prepare`),
 * read into memory once and served with headers that keep the page to itself: a CSP allowing
 * only this origin (no inline script, no CDN), no framing, no referrer, no sniffing.
 */
import { readFile } from 'node:fs/promises'

/** Where the build puts the page, relative to this module in `dist/src/daemon/dashboard/`. */
const PUBLIC = new URL('../../../dashboard/public/', import.meta.url)

/** The files the page is made of, by the path they are served at. */
export const FILES: Record<string, { file: string, type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' }
}

/** Headers every dashboard response carries. */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-cache'
}

/** An answer of the page's own (not JSON): a status, its headers, a body. */
export interface PageAnswer {
  status: number
  headers: Record<string, string>
  body: Buffer | string
}

/** A file of the page, in memory. */
interface Asset { type: string, body: Buffer }

/** The page's files, or null when the dashboard was not built (the daemon runs without it). */
export async function loadAssets (dir: URL = PUBLIC): Promise<Map<string, Asset> | null> {
  const assets = new Map<string, Asset>()
  for (const [route, { file, type }] of Object.entries(FILES)) {
    try {
      assets.set(route, { type, body: await readFile(new URL(file, dir)) })
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
  }
  return assets
}

/** The answer for `pathname` from `assets`; a dashboard that was not built says so (404, text). */
export function asset (assets: Map<string, Asset> | null, pathname: string): PageAnswer {
  const found = assets?.get(pathname)
  if (found === undefined) return { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' }, body: 'NOT_FOUND: the dashboard is not built (npm run build)\n' }
  return { status: 200, headers: { ...PAGE_HEADERS, 'content-type': found.type }, body: found.body }
}
