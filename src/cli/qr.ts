/**
 * A QR code for a terminal: qrcode-generator (the dashboard draws its invite QR codes with it too)
 * computes the modules; each character holds two rows with Unicode half blocks. Light modules are
 * the block characters, so the code reads right on a dark terminal; on a terminal, explicit colours
 * (white on black) make it read right whatever the terminal's theme.
 */
import qrcode from 'qrcode-generator'

/** Light modules around the code: the quiet zone QR scanners need (the standard's 4). */
export const QR_MARGIN = 4

/** Top and bottom module of a cell, light (true) or dark, to its character. */
const CELL: Record<string, string> = { '11': '█', '10': '▀', '01': '▄', '00': ' ' }

/** The modules of `text` as a QR code (error correction M, the smallest version that holds it): `true` is dark. */
export function qrModules (text: string): boolean[][] {
  const qr = qrcode(0, 'M')
  qr.addData(text)
  qr.make()
  const n = qr.getModuleCount()
  return Array.from({ length: n }, (_, row) => Array.from({ length: n }, (_, col) => qr.isDark(row, col)))
}

/** `text` as a QR code in lines of half blocks; `color` wraps each line in white-on-black ANSI codes. */
export function qrLines (text: string, { color = false }: { color?: boolean } = {}): string[] {
  const modules = qrModules(text)
  const size = modules.length + 2 * QR_MARGIN
  const light = (row: number, col: number): boolean => {
    const r = row - QR_MARGIN
    const c = col - QR_MARGIN
    return r < 0 || c < 0 || r >= modules.length || c >= modules.length || !modules[r][c]
  }
  const lines: string[] = []
  for (let row = 0; row < size; row += 2) {
    let line = ''
    for (let col = 0; col < size; col++) line += CELL[`${light(row, col) ? 1 : 0}${row + 1 >= size || light(row + 1, col) ? 1 : 0}`]
    lines.push(color ? `\x1b[97;40m${line}\x1b[0m` : line)
  }
  return lines
}
