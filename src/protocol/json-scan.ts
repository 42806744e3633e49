/**
 * A scan of raw JSON bytes that never recurses: the first check a block from the network gets,
 * before anything parses it. Its verdict is a pure function of the bytes: the same on every
 * device, whatever its stack size, Node build or CPU.
 *
 * Two kinds of verdict, kept apart so blocks older code judged keep their judgement:
 * - not JSON (RFC 8259, exactly what `JSON.parse` refuses): `block is not JSON`, as always;
 * - JSON that breaks a limit (nesting, a number past a double's range, UTF-8 that
 *   `Buffer.toString` would silently repair, a duplicate or `__proto__` key): the first limit
 *   broken, in byte order. No honest writer produces any of these (`JSON.stringify` cannot).
 *
 * A string may hold any escape JSON allows, lone surrogates (`\ud800`) included: `JSON.parse`
 * keeps them and `JSON.stringify` escapes them again, the same way on every engine since ES2019.
 */

/** The reason a block that is not JSON gets (unchanged from older code: it is in the view). */
export const NOT_JSON = 'block is not JSON'

/** The one key no object may hold: a consumer that copies it would set a prototype, not data. */
export const FORBIDDEN_KEY = '__proto__'

const NO_KEYS = new Set<string>()
const OBJECT = 1
const ARRAY = 2

/**
 * Scan `b`. Null when it is JSON within the limits; else why not. `maxDepth` bounds how deep
 * arrays and objects nest (`[]` is depth 1). Linear time; the scan's own stack, not the
 * native one, tracks nesting.
 */
export function scanJson (b: Uint8Array, maxDepth: number, depthReason = `nests deeper than ${maxDepth} levels`): string | null {
  const s = new Scan(b)
  const stack: number[] = []
  const keySets: Array<Set<string>> = []
  let i = s.ws(0)
  // Each turn reads one value at `i`, then what follows it up to the next value.
  while (true) {
    const c = b[i]
    if (c === 0x7b || c === 0x5b) { // { [
      stack.push(c === 0x7b ? OBJECT : ARRAY)
      if (stack.length > maxDepth) s.limit(depthReason)
      i = s.ws(i + 1)
      if (c === 0x7b) {
        keySets[stack.length] = s.broken === null ? new Set() : NO_KEYS // names go unchecked once broken
        if (b[i] === 0x7d) {
          stack.pop()
          i++
        } else {
          i = s.key(i, keySets[stack.length])
          if (i < 0) return NOT_JSON
          continue
        }
      } else if (b[i] === 0x5d) {
        stack.pop()
        i++
      } else continue
    } else if (c === 0x22) { // "
      i = s.string(i)
    } else if (c === 0x2d || isDigit(c)) {
      i = s.number(i)
    } else if (c === 0x74) {
      i = s.word(i, 'true')
    } else if (c === 0x66) {
      i = s.word(i, 'false')
    } else if (c === 0x6e) {
      i = s.word(i, 'null')
    } else return NOT_JSON
    if (i < 0) return NOT_JSON

    // After a value: close containers, or step to the next value.
    while (true) {
      i = s.ws(i)
      const top = stack[stack.length - 1]
      if (top === undefined) return i === b.length ? s.broken : NOT_JSON
      const d = b[i]
      if (d === 0x2c) { // ,
        i = s.ws(i + 1)
        if (top === OBJECT) {
          i = s.key(i, keySets[stack.length])
          if (i < 0) return NOT_JSON
        }
        break
      }
      if ((d === 0x7d && top === OBJECT) || (d === 0x5d && top === ARRAY)) {
        stack.pop()
        i++
        continue
      }
      return NOT_JSON
    }
  }
}

/** The scanner's cursor helpers; each returns the index after what it read, or -1 (not JSON). */
class Scan {
  readonly b: Uint8Array
  private readonly text: Buffer
  /** The first limit broken, or null. */
  broken: string | null = null
  /** Whether the last string read held an escape. */
  private escaped = false

  constructor (b: Uint8Array) {
    this.b = b
    this.text = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  }

  limit (reason: string): void {
    if (this.broken === null) this.broken = reason
  }

  ws (i: number): number {
    const b = this.b
    while (i < b.length) {
      const c = b[i]
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break
      i++
    }
    return i
  }

  word (i: number, w: string): number {
    for (let k = 0; k < w.length; k++) if (this.b[i + k] !== w.charCodeAt(k)) return -1
    return i + w.length
  }

  /** `"name" :` and the space after; names are checked once a limit is not already broken. */
  key (i: number, seen: Set<string>): number {
    if (this.b[i] !== 0x22) return -1
    const end = this.string(i)
    if (end < 0) return -1
    if (this.broken === null) {
      // Names without escapes are their bytes; the rest decode with JSON.parse (a flat string).
      const name = this.escaped ? JSON.parse(this.text.toString('utf8', i, end)) as string : this.text.toString('utf8', i + 1, end - 1)
      if (name === FORBIDDEN_KEY) this.limit('an object has a __proto__ key')
      else if (seen.has(name)) this.limit(`an object has the key ${JSON.stringify(name.slice(0, 64))} twice`)
      else seen.add(name)
    }
    const colon = this.ws(end)
    if (this.b[colon] !== 0x3a) return -1
    return this.ws(colon + 1)
  }

  number (i: number): number {
    const b = this.b
    const start = i
    let exponent = false
    if (b[i] === 0x2d) i++
    if (b[i] === 0x30) i++
    else if (isDigit(b[i])) while (isDigit(b[i])) i++
    else return -1
    if (b[i] === 0x2e) {
      i++
      if (!isDigit(b[i])) return -1
      while (isDigit(b[i])) i++
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      exponent = true
      i++
      if (b[i] === 0x2b || b[i] === 0x2d) i++
      if (!isDigit(b[i])) return -1
      while (isDigit(b[i])) i++
    }
    // Only an exponent or hundreds of digits can overflow a double; Number() rounds as JSON.parse.
    if ((exponent || i - start > 300) && !Number.isFinite(Number(this.text.toString('latin1', start, i)))) {
      this.limit('a number is out of a double\'s range (e.g. 1e400)')
    }
    return i
  }

  /**
   * A string at `i` (which is `"`): no raw control characters and only JSON's escapes (else not
   * JSON); UTF-8 without overlong forms, encoded surrogates or code points past U+10FFFF (else a
   * broken limit: `Buffer.toString` would replace them, and older code took that).
   */
  string (i: number): number {
    const b = this.b
    const n = b.length
    this.escaped = false
    i++
    while (i < n) {
      const c = b[i]
      if (c === 0x22) return i + 1
      if (c < 0x20) return -1
      if (c === 0x5c) {
        this.escaped = true
        const e = b[i + 1]
        if (e === 0x75) {
          if (!isHex(b[i + 2]) || !isHex(b[i + 3]) || !isHex(b[i + 4]) || !isHex(b[i + 5])) return -1
          i += 6
        } else if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74) {
          i += 2
        } else return -1
      } else if (c < 0x80) {
        i++
      } else {
        const len = utf8Length(b, i)
        if (len === 0) {
          this.limit('a string is not well-formed UTF-8')
          i++
        } else i += len
      }
    }
    return -1
  }
}

/** Bytes of the well-formed UTF-8 sequence at `i` (a lead byte of 0x80 or more), or 0. */
function utf8Length (b: Uint8Array, i: number): number {
  const c = b[i]
  const c1 = b[i + 1]
  if (c >= 0xc2 && c <= 0xdf) return isCont(c1) ? 2 : 0
  if (c >= 0xe0 && c <= 0xef) {
    const ok1 = c === 0xe0 ? c1 >= 0xa0 && c1 <= 0xbf : c === 0xed ? c1 >= 0x80 && c1 <= 0x9f : isCont(c1)
    return ok1 && isCont(b[i + 2]) ? 3 : 0
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const ok1 = c === 0xf0 ? c1 >= 0x90 && c1 <= 0xbf : c === 0xf4 ? c1 >= 0x80 && c1 <= 0x8f : isCont(c1)
    return ok1 && isCont(b[i + 2]) && isCont(b[i + 3]) ? 4 : 0
  }
  return 0
}

function isDigit (c: number | undefined): boolean {
  return c !== undefined && c >= 0x30 && c <= 0x39
}

function isHex (c: number | undefined): boolean {
  return c !== undefined && ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66))
}

function isCont (c: number | undefined): boolean {
  return c !== undefined && c >= 0x80 && c <= 0xbf
}
