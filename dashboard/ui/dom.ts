/**
 * The few DOM helpers the page needs: elements from tag + attributes + children, tables,
 * and short forms of keys and times.
 */

type Child = Node | string | number | null | undefined
type Attrs = Record<string, string | number | boolean | ((ev: Event) => void) | undefined>

const SVG_NS = 'http://www.w3.org/2000/svg'

function fill (el: Element, attrs: Attrs, children: Child[]): void {
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue
    if (typeof value === 'function') el.addEventListener(name.slice(2), value)
    else el.setAttribute(name, value === true ? '' : String(value))
  }
  for (const c of children) if (c !== null && c !== undefined) el.append(typeof c === 'object' ? c : String(c))
}

/** An HTML element; `on...` attributes are listeners. */
export function h (tag: string, attrs: Attrs = {}, ...children: Child[]): HTMLElement {
  const el = document.createElement(tag)
  fill(el, attrs, children)
  return el
}

/** An SVG element. */
export function s (tag: string, attrs: Attrs = {}, ...children: Child[]): SVGElement {
  const el = document.createElementNS(SVG_NS, tag)
  fill(el, attrs, children)
  return el
}

/** The element with `id` (the page's skeleton has them all). */
export function byId (id: string): HTMLElement {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`no #${id} in the page`)
  return el
}

/** Replace what `id` holds. */
export function show (id: string, ...children: Child[]): void {
  byId(id).replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined).map((c) => typeof c === 'object' ? c : String(c)))
}

/** A table; rows may carry attributes (first element an object of them). */
export function table (head: string[], rows: Array<{ attrs?: Attrs, cells: Child[] }>, empty: string): HTMLElement {
  if (rows.length === 0) return h('p', { class: 'empty' }, empty)
  return h('table', {},
    h('thead', {}, h('tr', {}, ...head.map((x) => h('th', {}, x)))),
    h('tbody', {}, ...rows.map((r) => h('tr', r.attrs ?? {}, ...r.cells.map((c) => h('td', {}, c))))))
}

/** A key cut to its first 10 characters, the whole key in the tooltip. */
export function short (key: string | undefined | null): HTMLElement | string {
  if (key === undefined || key === null || key === '') return '-'
  return h('span', { class: 'key', title: key }, key.length > 12 ? key.slice(0, 10) + '…' : key)
}

/** A time as `HH:MM:SS`. */
export function clock (ms: number | string): string {
  return new Date(ms).toLocaleTimeString([], { hour12: false })
}

/** Milliseconds as `230 ms` or `1.4 s`. */
export function duration (ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}
