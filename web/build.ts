// Bundles the web app with Bun's own bundler into web/dist: index.html plus content-hashed assets under
// /assets/ (cached for a year by the core and the edge), and a _headers file for Cloudflare static assets.
// `bun run web:build` builds; `bun run core` calls it with --if-stale first, so the core serves fresh assets.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { SECURITY_HEADERS } from '@ytempire/contract'
import { APP_PAGE_CACHE, HASHED_ASSET_CACHE, WEB_APP_CSP } from '@ytempire/core/security-headers'

const WEB = import.meta.dir
export const WEB_DIST = join(WEB, 'dist')
const STAMP = '.build-stamp'
// What the bundle is made of: the app, its page, its packages, and the typed client it imports.
const INPUTS = [
  join(WEB, 'src'),
  join(WEB, 'index.html'),
  join(WEB, 'package.json'),
  resolve(WEB, '../bun.lock'),
  resolve(WEB, '../core/src/client.ts'),
  resolve(WEB, '../core/src/http/security-headers.ts'),
]

function newestInput(): number {
  let newest = 0
  const visit = (path: string) => {
    if (!existsSync(path)) return
    const st = statSync(path)
    if (st.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name))
    else newest = Math.max(newest, st.mtimeMs)
  }
  for (const input of INPUTS) visit(input)
  return Math.floor(newest)
}

export function isStale(outdir = WEB_DIST): boolean {
  const stamp = join(outdir, STAMP)
  if (!existsSync(join(outdir, 'index.html')) || !existsSync(stamp)) return true
  return Number(readFileSync(stamp, 'utf8')) !== newestInput()
}

export async function buildWebApp(opts: { outdir?: string; ifStale?: boolean; log?: (m: string) => void } = {}) {
  const outdir = opts.outdir ?? WEB_DIST
  if (opts.ifStale && !isStale(outdir)) return { built: false, outdir }
  const started = performance.now()
  const inputsAt = newestInput()
  // Built beside the old one and swapped in, so a running core never serves a half-written folder.
  const tmp = `${outdir}.tmp-${process.pid}`
  rmSync(tmp, { recursive: true, force: true })
  mkdirSync(tmp, { recursive: true })
  const result = await Bun.build({
    entrypoints: [join(WEB, 'index.html')],
    outdir: tmp,
    target: 'browser',
    minify: true,
    splitting: true,
    sourcemap: 'linked',
    publicPath: '/',
    naming: { entry: '[name].[ext]', chunk: 'assets/[name]-[hash].[ext]', asset: 'assets/[name]-[hash].[ext]' },
    define: { 'process.env.NODE_ENV': '"production"' },
  })
  if (!result.success) {
    rmSync(tmp, { recursive: true, force: true })
    throw new AggregateError(result.logs, `web build failed:\n${result.logs.map(String).join('\n')}`)
  }
  const bytes = result.outputs.filter((o) => o.path.endsWith('.js')).reduce((n, o) => n + Bun.file(o.path).size, 0)
  writeFileSync(join(tmp, '_headers'), cloudflareHeaders())
  writeFileSync(join(tmp, STAMP), String(inputsAt))
  rmSync(outdir, { recursive: true, force: true })
  renameSync(tmp, outdir)
  opts.log?.(`web app built in ${Math.round(performance.now() - started)} ms (${Math.round(bytes / 1024)} KiB of JavaScript) -> ${outdir}`)
  return { built: true, outdir }
}

/** The core's headers for the app, in Cloudflare static assets' _headers format (see edge/EDGE.md). */
function cloudflareHeaders(): string {
  const all = { ...SECURITY_HEADERS, 'Content-Security-Policy': WEB_APP_CSP }
  const block = (path: string, headers: Record<string, string>) =>
    `${path}\n${Object.entries(headers)
      .map(([k, v]) => `  ${k}: ${v}`)
      .join('\n')}\n`
  return [
    block('/*', all),
    block('/assets/*', { 'Cache-Control': HASHED_ASSET_CACHE }),
    block('/', { 'Cache-Control': APP_PAGE_CACHE }),
  ].join('')
}

if (import.meta.main) {
  const ifStale = process.argv.includes('--if-stale')
  const { built } = await buildWebApp({ ifStale, log: (m) => console.log(m) })
  if (!built) console.log('web app is up to date')
}
