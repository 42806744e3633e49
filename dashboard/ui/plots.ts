/**
 * Hand-drawn SVG plots: lines over the last minutes, and bars. No library: a few polylines and
 * rectangles in a fixed 300 x 120 viewBox that CSS scales.
 */
import { s } from './dom.js'

const W = 300
const H = 120
const PAD = { left: 34, right: 6, top: 8, bottom: 16 }

/** One line of a chart: `[ms, value]` points. */
export interface Series { name: string, className: string, points: Array<[number, number]> }

function frame (max: number, label: string, at: 'bottom' | 'top' = 'bottom'): SVGElement[] {
  return [
    s('line', { class: 'axis', x1: PAD.left, y1: H - PAD.bottom, x2: W - PAD.right, y2: H - PAD.bottom }),
    s('line', { class: 'axis', x1: PAD.left, y1: PAD.top, x2: PAD.left, y2: H - PAD.bottom }),
    s('text', { class: 'tick', x: PAD.left - 3, y: PAD.top + 8, 'text-anchor': 'end' }, compact(max)),
    s('text', { class: 'tick', x: PAD.left - 3, y: H - PAD.bottom, 'text-anchor': 'end' }, '0'),
    s('text', { class: 'tick', x: W - PAD.right, y: at === 'bottom' ? H - 3 : PAD.top + 8, 'text-anchor': 'end' }, label)
  ]
}

/** Lines over the window `[now - windowMs, now]`, from 0 up to the largest value shown. */
export function lines (series: Series[], windowMs: number, now = Date.now()): SVGElement {
  const from = now - windowMs
  const max = Math.max(1, ...series.flatMap((x) => x.points.filter(([t]) => t >= from).map(([, v]) => v)))
  const x = (t: number): number => PAD.left + ((t - from) / windowMs) * (W - PAD.left - PAD.right)
  const y = (v: number): number => H - PAD.bottom - (v / max) * (H - PAD.top - PAD.bottom)
  const drawn = series.map((line) => s('polyline', {
    class: `line ${line.className}`,
    points: line.points.filter(([t]) => t >= from).map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')
  }))
  const legend = series.map((line, i) => s('text', { class: `legend ${line.className}`, x: PAD.left + 4 + i * 90, y: PAD.top + 8 }, line.name))
  return s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'plot', role: 'img' }, ...frame(max, `last ${Math.round(windowMs / 60000)} min`), ...drawn, ...legend)
}

/** One bar per label, from 0 up to the largest value. */
export function bars (items: Array<{ label: string, value: number }>, unit: string): SVGElement {
  const max = Math.max(1, ...items.map((b) => b.value))
  const slot = (W - PAD.left - PAD.right) / Math.max(items.length, 1)
  const drawn = items.flatMap((b, i) => {
    const height = (b.value / max) * (H - PAD.top - PAD.bottom)
    const x = PAD.left + i * slot + slot * 0.15
    return [
      s('rect', { class: 'bar', x: x.toFixed(1), y: (H - PAD.bottom - height).toFixed(1), width: (slot * 0.7).toFixed(1), height: height.toFixed(1) }, s('title', {}, `${b.label}: ${b.value} ${unit}`)),
      s('text', { class: 'tick', x: (x + slot * 0.35).toFixed(1), y: H - 4, 'text-anchor': 'middle' }, b.label)
    ]
  })
  return s('svg', { viewBox: `0 0 ${W} ${H}`, class: 'plot', role: 'img' }, ...frame(max, unit, 'top'), ...drawn)
}

function compact (n: number): string {
  return n >= 10_000 ? `${Math.round(n / 1000)}k` : String(Math.round(n))
}
