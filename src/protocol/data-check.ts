/**
 * What entry data may be, checked the same way on every device, with explicit limits and no
 * recursion, so the verdict never depends on a platform's stack size, a Node build or a CPU.
 *
 * `JSON.stringify` recurses on the native stack: data nested a few thousand levels deep is
 * encoded on one device and throws `RangeError` on another (a Pi, another Node build, a smaller
 * `--stack-size`), so peers disagreed about the same block. A block's raw bytes are scanned
 * (json-scan.ts) before anything parses them, and a value to append is walked here; once either
 * passes, every value in it nests at most {@link MAX_DATA_DEPTH} deep and the native JSON calls
 * that follow are safe on any stack.
 *
 * The limits apply to blocks of every protocol: an honest writer never wrote anything they
 * refuse except data nested deeper than {@link MAX_DATA_DEPTH}, which was already judged
 * differently by different peers (see the README's validation table).
 */
import { FORBIDDEN_KEY } from './json-scan.js'
import type { Refusal } from './vocabulary.js'

/** Largest JSON encoding of one entry's data, in bytes. */
export const MAX_ENTRY_BYTES = 64 * 1024

/** How deep entry data may nest: `[]` and `{}` are depth 1, a scalar depth 0. */
export const MAX_DATA_DEPTH = 64

/** A block wraps data in three levels: the block object, its op list, the op object. */
export const BLOCK_FRAME_DEPTH = 3

interface Frame {
  src: unknown[] | Record<string, unknown>
  dst: unknown[] | Record<string, unknown>
  keys: string[] | null
  i: number
  /** Members written so far (a comma before each but the first). */
  n: number
}

/**
 * Check a value to append and encode it: plain objects (prototype `Object.prototype` or null),
 * arrays, strings, finite numbers, booleans and null, nesting at most {@link MAX_DATA_DEPTH}
 * deep, no cycles, no `__proto__` key; object properties that are `undefined` are left out (as
 * JSON does), an `undefined` in an array is refused. Every property is read once, into a copy
 * that is then encoded: a getter cannot hand the encoder something the check never saw.
 *
 * Returns the JSON (what `JSON.stringify` gives for the same value), the copy, or a refusal:
 * `ENTRY_TOO_LARGE` past {@link MAX_ENTRY_BYTES}, else `INVALID_ENTRY`. The walk stops as soon
 * as the encoding is sure to be too large, so a huge value costs at most that much work.
 */
export function encodeData (value: unknown): { json: string, data: unknown } | Refusal {
  const stack: Frame[] = []
  let bytes = 0 // a lower bound of the encoding's size
  const enter = (v: unknown): { copy: unknown } | Refusal => {
    switch (typeof v) {
      case 'string':
        bytes += v.length + 2
        return { copy: v }
      case 'number':
        if (!Number.isFinite(v)) return invalid('numbers are finite (no NaN or Infinity)')
        bytes += 1
        return { copy: v === 0 ? 0 : v } // -0 is encoded as 0
      case 'boolean':
        bytes += 4
        return { copy: v }
      case 'object': {
        if (v === null) {
          bytes += 4
          return { copy: null }
        }
        if (stack.length === MAX_DATA_DEPTH) return invalid(`data nests at most ${MAX_DATA_DEPTH} levels deep`)
        for (const f of stack) if (f.src === v) return invalid('data has a cycle')
        bytes += 2
        if (Array.isArray(v)) {
          const dst: unknown[] = []
          stack.push({ src: v as unknown[], dst, keys: null, i: 0, n: 0 })
          return { copy: dst }
        }
        const proto = Object.getPrototypeOf(v) as unknown
        if (proto !== Object.prototype && proto !== null) return invalid('objects in data are plain objects (no class instances, dates or buffers)')
        const dst: Record<string, unknown> = {}
        stack.push({ src: v as Record<string, unknown>, dst, keys: Object.keys(v), i: 0, n: 0 })
        return { copy: dst }
      }
      default:
        return invalid(`data is JSON: no ${typeof v} values`)
    }
  }
  const root = enter(value === undefined ? null : value)
  if ('code' in root) return root
  while (stack.length > 0) {
    if (bytes > MAX_ENTRY_BYTES) return tooLarge()
    const f = stack[stack.length - 1]
    if (f.keys === null) {
      const src = f.src as unknown[]
      if (f.i === src.length) { stack.pop(); continue }
      const v = src[f.i++]
      if (v === undefined) return invalid('arrays in data hold no undefined')
      if (f.n++ > 0) bytes++
      const r = enter(v)
      if ('code' in r) return r
      ;(f.dst as unknown[]).push(r.copy)
    } else {
      if (f.i === f.keys.length) { stack.pop(); continue }
      const k = f.keys[f.i++]
      if (k === FORBIDDEN_KEY) return invalid('objects in data have no __proto__ key')
      const v = (f.src as Record<string, unknown>)[k]
      if (v === undefined) continue
      bytes += k.length + 3 + (f.n++ > 0 ? 1 : 0)
      const r = enter(v)
      if ('code' in r) return r
      ;(f.dst as Record<string, unknown>)[k] = r.copy
    }
  }
  if (bytes > MAX_ENTRY_BYTES) return tooLarge()
  // Safe now: at most MAX_DATA_DEPTH deep, only JSON values, nothing left to call.
  const json = JSON.stringify(root.copy)
  if (Buffer.byteLength(json) > MAX_ENTRY_BYTES) return tooLarge()
  return { json, data: root.copy }
}

function invalid (reason: string): Refusal {
  return { code: 'INVALID_ENTRY', reason }
}

function tooLarge (): Refusal {
  return { code: 'ENTRY_TOO_LARGE', reason: `data is over ${MAX_ENTRY_BYTES} bytes as JSON` }
}
