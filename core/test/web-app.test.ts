// The core serves the built web app at / (SPA fallback, cache rules, its CSP) and bull-board to admins only.
import { beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QUEUES_CSP, WEB_APP_CSP } from '../src/http/security-headers'
import { type Core, json, signUp, signUpAdmin, testEnv } from './harness'

const webDir = mkdtempSync(join(tmpdir(), 'ytempire-web-'))
mkdirSync(join(webDir, 'assets'))
writeFileSync(
  join(webDir, 'index.html'),
  '<!doctype html><title>ytempire</title><script type="module" src="/assets/index-abc123.js"></script>',
)
writeFileSync(join(webDir, 'assets', 'index-abc123.js'), 'console.log("app")')
writeFileSync(join(webDir, '_headers'), '/*\n  X: y\n')

const env = await testEnv((c) => ({ ...c, webDir }))
let core: Core
beforeAll(async () => {
  core = await env.core()
  await core.app.modules
})

describe('the web app at /', () => {
  test('the page: for / and every client route, revalidated, under a default-src self policy', async () => {
    for (const path of ['/', '/videos/123', '/channels/abc/settings?tab=1']) {
      const res = await core.request(path)
      expect(res.status).toBe(200)
      expect(res.headers.get('content-type')).toStartWith('text/html')
      expect(res.headers.get('cache-control')).toBe('no-cache')
      expect(res.headers.get('content-security-policy')).toBe(WEB_APP_CSP)
      expect(res.headers.get('x-frame-options')).toBe('DENY')
      expect(await res.text()).toContain('<title>ytempire</title>')
    }
  })

  test('hashed assets are cached for a year; unknown assets and API paths are 404 problems, not the page', async () => {
    const asset = await core.request('/assets/index-abc123.js')
    expect(asset.status).toBe(200)
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(asset.headers.get('content-type')).toStartWith('text/javascript')
    for (const path of ['/assets/missing-1.js', '/v1/nope', '/.well-known/nothing']) {
      const res = await core.request(path)
      expect(res.status).toBe(404)
      expect(res.headers.get('content-type')).toBe('application/problem+json')
    }
    // The edge's _headers file stays in the build folder, unserved.
    expect(await (await core.request('/_headers')).text()).toContain('<title>ytempire</title>')
  })
})

describe('bull-board at /admin/queues', () => {
  const signedIn = async (admin: boolean) => (await (admin ? signUpAdmin(core) : signUp(core))).accessToken
  const open = async (token: string) => {
    const res = await core.request('/v1/auth/grants', { method: 'POST', token, json: { paths: ['/admin/queues'] } })
    return res.status === 200 ? ((await json(res)).grants[0].url as string) : res.status
  }

  test('an admin’s grant becomes a cookie scoped to the board; the board lists the pipeline queues', async () => {
    const token = await signedIn(true)
    const url = (await open(token)) as string
    const first = await core.request(url)
    expect(first.status).toBe(303)
    expect(first.headers.get('location')).toBe('/admin/queues/')
    const cookie = first.headers.getSetCookie()[0]!
    expect(cookie).toMatch(/^yt_queues=[^;]+; Path=\/admin\/queues; Max-Age=\d+; HttpOnly; Secure; SameSite=Strict$/)
    const jar = cookie.split(';')[0]!

    const page = await core.request('/admin/queues/', { headers: { cookie: jar } })
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('ytempire queues')
    expect(page.headers.get('content-security-policy')).toBe(QUEUES_CSP)
    const queues = await json(await core.request('/admin/queues/api/queues', { headers: { cookie: jar } }))
    expect(queues.queues.map((q: { name: string }) => q.name)).toEqual(expect.arrayContaining(['video-script', 'dead-letter']))

    // Actions need our Origin too.
    const pause = (origin: string) =>
      core.request('/admin/queues/api/queues/video-script/pause', { method: 'PUT', headers: { cookie: jar, origin } })
    expect((await pause('https://evil.example')).status).toBe(403)
    expect((await pause('http://localhost')).status).toBe(200)
    await core.request('/admin/queues/api/queues/video-script/resume', {
      method: 'PUT',
      headers: { cookie: jar, origin: 'http://localhost' },
    })

    // Signed out: the cookie opens nothing.
    await core.request('/v1/auth/logout', { method: 'POST', token })
    expect((await core.request('/admin/queues/api/queues', { headers: { cookie: jar } })).status).toBe(401)
  })

  test('no cookie, a forged one, or a member: refused', async () => {
    expect((await core.request('/admin/queues/')).status).toBe(401)
    expect((await core.request('/admin/queues/api/queues', { headers: { cookie: 'yt_queues=abc.def' } })).status).toBe(401)
    expect(await open(await signedIn(false))).toBe(403)
  })
})
