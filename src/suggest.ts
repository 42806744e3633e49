/**
 * "Did you mean": the closest known word to a mistyped one, by edit distance. Shared by the
 * command line (commands, flags) and the daemon's configuration (config file keys).
 */

/**
 * Edit distance between two strings: insertions, deletions, substitutions and swaps of two
 * neighbouring characters (`prot` is one edit from `port`), each counting 1.
 */
export function editDistance (a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i])
  for (let j = 1; j <= b.length; j++) d[0][j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1)
    }
  }
  return d[a.length][b.length]
}

/**
 * The known word closest to `word`, if it is close enough to be a typo: at most a third of its
 * length away (at least 1, at most 3 edits). Ties go to the first in `known`.
 */
export function closest (word: string, known: Iterable<string>): string | null {
  const limit = Math.min(3, Math.max(1, Math.floor(word.length / 3)))
  let best: string | null = null
  let bestDistance = Infinity
  for (const k of known) {
    const d = editDistance(word.toLowerCase(), k.toLowerCase())
    if (d < bestDistance) {
      best = k
      bestDistance = d
    }
  }
  return bestDistance <= limit ? best : null
}

/** ` (did you mean "x"?)` (with `prefix`: ` (did you mean --x?)`), or '' when nothing is close. */
export function didYouMean (word: string, known: Iterable<string>, prefix?: string): string {
  const c = closest(word, known)
  if (c === null) return ''
  return prefix === undefined ? ` (did you mean "${c}"?)` : ` (did you mean ${prefix}${c}?)`
}
