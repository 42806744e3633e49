/**
 * An invite code as a QR code: qrcode-generator (bundled, no network) computes the modules, drawn
 * here as one SVG path so it scales crisply.
 */
import qrcode from 'qrcode-generator'
import { s } from './dom.js'

const MARGIN = 4

/** `text` as an SVG QR code (error correction M). */
export function qrSvg (text: string): SVGElement {
  const qr = qrcode(0, 'M')
  qr.addData(text)
  qr.make()
  const n = qr.getModuleCount()
  let d = ''
  for (let row = 0; row < n; row++) {
    for (let col = 0; col < n; col++) if (qr.isDark(row, col)) d += `M${col + MARGIN} ${row + MARGIN}h1v1h-1z`
  }
  const size = n + 2 * MARGIN
  return s('svg', { viewBox: `0 0 ${size} ${size}`, class: 'qr', role: 'img', 'aria-label': 'invite QR code', 'data-modules': n },
    s('rect', { width: size, height: size, fill: '#fff' }),
    s('path', { d, fill: '#000' }))
}
