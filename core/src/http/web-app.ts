// Serves the built web app (web/dist) at /: hashed assets cached for a year, the page revalidated every
// time, and the page for every client route (the app routes in the browser). API paths never fall back.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { Elysia } from 'elysia'
import type { Deps } from '../deps'
import { pathOf } from './plugin'
import { Problem } from './problem'
import { APP_PAGE_CACHE, HASHED_ASSET_CACHE, WEB_APP_CSP } from './security-headers'

// Paths that belong to the API and operations: an unknown one is a 404 problem, never the app's page.
const NOT_APP = ['/v1/', '/webhooks/', '/swagger', '/health', '/ready', '/metrics', '/.well-known/', '/admin/queues', '/assets/']

export function webApp(deps: Deps) {
  const dir = deps.config.webDir
  let files = new Set<string>()
  let listedAt = 0
  // The folder is listed (and re-listed after a rebuild, at most once a second) so only its own files are served.
  const list = () => {
    if (Date.now() - listedAt < 1000) return
    listedAt = Date.now()
    const found = new Set<string>()
    const visit = (rel: string) => {
      for (const name of existsSync(join(dir, rel)) ? readdirSync(join(dir, rel)) : []) {
        if (name.startsWith('.') || name.startsWith('_')) continue
        const path = `${rel}/${name}`
        if (statSync(join(dir, path)).isDirectory()) visit(path)
        else found.add(path)
      }
    }
    visit('')
    files = found
  }

  const serve = (path: string, set: { headers: Record<string, unknown> }) => {
    set.headers['cache-control'] = path.startsWith('/assets/') ? HASHED_ASSET_CACHE : APP_PAGE_CACHE
    if (path === '/index.html') set.headers['Content-Security-Policy'] = WEB_APP_CSP
    return Bun.file(join(dir, path))
  }

  return new Elysia({ name: 'web-app', seed: deps.instanceId }).get(
    '/*',
    ({ request, set }) => {
      const path = pathOf(request.url).split('?')[0]!
      if (!files.has(path)) list()
      if (files.has(path)) return serve(path, set)
      if (NOT_APP.some((p) => path.startsWith(p))) throw new Problem(404, 'Not Found', `No route for GET ${path}`)
      if (!files.has('/index.html'))
        throw new Problem(503, 'Service Unavailable', 'The web app is not built: run `bun run web:build` (or start with `bun run core`)')
      return serve('/index.html', set)
    },
    { detail: { hide: true } },
  )
}
