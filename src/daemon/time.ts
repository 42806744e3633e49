/**
 * The one reading of a time given as text, for the HTTP API's `since`/`until` and the command's
 * `--since`/`--until`: ms since the epoch, or an ISO 8601 date (`2026-05-01`,
 * `2026-05-01T08:00:00Z`, with an offset or fraction of a second). A date without a zone is UTC;
 * a date and time without a zone is local time, as `Date.parse` reads them.
 */

const MS = /^-?\d+$/
const ISO = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/i

/** What a time is, for messages and the API description. */
export const TIME_HELP = 'ms since the epoch or an ISO 8601 date'

/** ms since the epoch for `text`, or null when it is neither ms nor an ISO 8601 date. */
export function parseTime (text: string): number | null {
  if (MS.test(text)) {
    const ms = Number(text)
    return Number.isSafeInteger(ms) ? ms : null
  }
  if (!ISO.test(text)) return null
  const ms = Date.parse(text)
  return Number.isNaN(ms) ? null : ms
}
