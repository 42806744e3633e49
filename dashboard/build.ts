/**
 * Build the dashboard into dist/dashboard/public: one minified ES module bundled by esbuild from
 * dashboard/ui (qrcode-generator included, so the page fetches nothing from elsewhere), the page
 * and its stylesheet. Run by `npm run build` and `prepare`, after `tsc -p dashboard` type-checked it.
 */
import { copyFile, mkdir, stat } from 'node:fs/promises'
import { build } from 'esbuild'

const UI = new URL('../../dashboard/ui/', import.meta.url)
const OUT = new URL('./public/', import.meta.url)

await mkdir(OUT, { recursive: true })
await build({
  entryPoints: [new URL('main.ts', UI).pathname],
  outfile: new URL('app.js', OUT).pathname,
  bundle: true,
  minify: true,
  format: 'esm',
  target: 'es2020',
  legalComments: 'none',
  logLevel: 'warning'
})
await copyFile(new URL('index.html', UI), new URL('index.html', OUT))
await copyFile(new URL('app.css', UI), new URL('app.css', OUT))
let total = 0
for (const f of ['index.html', 'app.js', 'app.css']) total += (await stat(new URL(f, OUT))).size
process.stdout.write(`dashboard: ${(total / 1024).toFixed(1)} KiB in dist/dashboard/public\n`)
