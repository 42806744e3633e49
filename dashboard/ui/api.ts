/**
 * The daemon's JSON API as the page calls it: the session cookie goes by itself; writes add the
 * session's CSRF token. A 401 means the session ended (expired, or the API token changed).
 */

const CSRF_HEADER = 'x-meshledger-csrf'
let csrf = ''

/** The session ended or never began: the operator needs a new login link. */
export class SignedOut extends Error {}

/** An error the API answered: its code and message. */
export class ApiError extends Error {
  constructor (readonly code: string, message: string) { super(message) }
}

async function call<T> (method: string, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = {}
  if (method !== 'GET') headers[CSRF_HEADER] = csrf
  if (body !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), credentials: 'same-origin' })
  if (res.status === 401) throw new SignedOut('signed out')
  const json = await res.json() as unknown
  if (!res.ok) {
    const error = (json as { error?: { code?: string, message?: string } } | null)?.error
    throw new ApiError(error?.code ?? `HTTP_${res.status}`, error?.message ?? res.statusText)
  }
  return json as T
}

/** Start the session: fetch its CSRF token; false if there is no session. */
export async function begin (): Promise<boolean> {
  try {
    csrf = (await call<{ csrf: string }>('GET', '/v1/dashboard/session')).csrf
    return true
  } catch (err) {
    if (err instanceof SignedOut) return false
    throw err
  }
}

/** `GET path`. */
export function get<T> (path: string): Promise<T> {
  return call<T>('GET', path)
}

/** `POST path` with a JSON body. */
export function post<T> (path: string, body: unknown = {}): Promise<T> {
  return call<T>('POST', path, body)
}

/** `/v1/...` with each part URL-encoded. */
export function route (...parts: string[]): string {
  return '/v1/' + parts.map(encodeURIComponent).join('/')
}
