/**
 * A binary heap, the buffer a query merges its ranges through (query.ts).
 */

/** A binary heap: `before(a, b)` < 0 when a comes out first. */
export class Heap<T> {
  private readonly items: T[] = []
  constructor (private readonly before: (a: T, b: T) => number) {}

  get size (): number { return this.items.length }

  peek (): T { return this.items[0] }

  push (item: T): void {
    const items = this.items
    let i = items.push(item) - 1
    while (i > 0) {
      const parent = (i - 1) >>> 1
      if (this.before(items[i], items[parent]) >= 0) break
      ;[items[i], items[parent]] = [items[parent], items[i]]
      i = parent
    }
  }

  pop (): T {
    const items = this.items
    const top = items[0]
    const last = items.pop() as T
    if (items.length > 0) {
      items[0] = last
      let i = 0
      while (true) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < items.length && this.before(items[l], items[m]) < 0) m = l
        if (r < items.length && this.before(items[r], items[m]) < 0) m = r
        if (m === i) break
        ;[items[i], items[m]] = [items[m], items[i]]
        i = m
      }
    }
    return top
  }
}
