// Browser sessions: the refresh token only in an HttpOnly cookie, and the routes that read it refused
// without the session's CSRF token or from another origin. Signed grants for <video>/<img>.
import { beforeAll, describe, expect, test } from 'bun:test'
import { type Core, json, signUp, testEnv } from './harness'

const env = await testEnv()
let core: Core
beforeAll(async () => {
  core = await env.core()
})

const OWN = 'http://localhost'
const cookiesOf = (res: Response) =>
  Object.fromEntries(
    res.headers.getSetCookie().map((c) => {
      const [pair, ...attrs] = c.split(';').map((s) => s.trim())
      const [name, value] = pair!.split('=')
      return [name!, { value: value!, attrs }]
    }),
  )

async function browserSignIn(origin = OWN) {
  const s = await signUp(core)
  const res = await core.request('/v1/auth/web/login', {
    method: 'POST',
    json: { email: s.email, password: s.password },
    headers: { origin },
  })
  return { ...s, res, body: res.status === 200 ? await json(res) : undefined, cookies: cookiesOf(res) }
}

const refresh = (opts: { cookie?: string; csrf?: string; origin?: string | null }) => {
  const headers: Record<string, string> = {}
  if (opts.cookie) headers.cookie = `yt_refresh=${opts.cookie}`
  if (opts.csrf) headers['x-csrf-token'] = opts.csrf
  if (opts.origin !== null) headers.origin = opts.origin ?? OWN
  return core.request('/v1/auth/web/refresh', { method: 'POST', headers })
}

describe('browser sign-in', () => {
  test('the refresh token is set as an HttpOnly, Secure, SameSite=Strict cookie on /v1/auth and never in the body', async () => {
    const { res, body, cookies } = await browserSignIn()
    expect(res.status).toBe(200)
    expect(body.refreshToken).toBeUndefined()
    expect(body.accessToken).toBeString()
    expect(cookies.yt_refresh!.value.length).toBeGreaterThan(20)
    expect(cookies.yt_refresh!.attrs).toEqual(expect.arrayContaining(['Path=/v1/auth', 'HttpOnly', 'Secure', 'SameSite=Strict']))
    // The CSRF token is readable by the page (no HttpOnly) and matches the body.
    expect(cookies.yt_csrf!.value).toBe(body.csrfToken)
    expect(cookies.yt_csrf!.attrs).toEqual(expect.arrayContaining(['Path=/', 'Secure', 'SameSite=Strict']))
    expect(cookies.yt_csrf!.attrs).not.toContain('HttpOnly')
    expect(res.headers.get('cache-control')).toBe('no-store')
  })

  test('sign-in from another origin, or without an Origin, is refused; a CORS-allowed origin may', async () => {
    expect((await browserSignIn('https://evil.example')).res.status).toBe(403)
    const s = await signUp(core)
    const noOrigin = await core.request('/v1/auth/web/login', { method: 'POST', json: { email: s.email, password: s.password } })
    expect(noOrigin.status).toBe(403)
    expect(noOrigin.headers.get('content-type')).toBe('application/problem+json')
    expect((await browserSignIn('https://app.ytempire.test')).res.status).toBe(200)
  })

  test('refresh: needs the cookie, the session’s CSRF token and a matching Origin; rotates the cookie', async () => {
    const { cookies, body } = await browserSignIn()
    const cookie = cookies.yt_refresh!.value
    expect((await refresh({ cookie })).status).toBe(403)
    expect((await refresh({ cookie, csrf: 'f'.repeat(64) })).status).toBe(403)
    const other = await browserSignIn()
    expect((await refresh({ cookie, csrf: other.body.csrfToken })).status).toBe(403)
    expect((await refresh({ cookie, csrf: body.csrfToken, origin: 'https://evil.example' })).status).toBe(403)
    expect((await refresh({ cookie, csrf: body.csrfToken, origin: null })).status).toBe(403)
    expect((await refresh({ csrf: body.csrfToken })).status).toBe(401)

    const ok = await refresh({ cookie, csrf: body.csrfToken })
    expect(ok.status).toBe(200)
    const rotated = cookiesOf(ok)
    expect(rotated.yt_refresh!.value).not.toBe(cookie)
    expect((await json(ok)).csrfToken).toBe(body.csrfToken)
    // The spent cookie replayed: the session is revoked and the cookies cleared.
    const reused = await refresh({ cookie, csrf: body.csrfToken })
    expect(reused.status).toBe(401)
    expect(cookiesOf(reused).yt_refresh!.attrs).toContain('Max-Age=0')
    expect((await refresh({ cookie: rotated.yt_refresh!.value, csrf: body.csrfToken })).status).toBe(401)
  })

  test('sign-out ends the session and clears both cookies; it too needs the CSRF token', async () => {
    const { cookies, body } = await browserSignIn()
    const cookie = cookies.yt_refresh!.value
    const logout = (csrf?: string) =>
      core.request('/v1/auth/web/logout', {
        method: 'POST',
        headers: { origin: OWN, cookie: `yt_refresh=${cookie}`, ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      })
    expect((await logout()).status).toBe(403)
    const out = await logout(body.csrfToken)
    expect(out.status).toBe(204)
    const cleared = cookiesOf(out)
    expect(cleared.yt_refresh!.attrs).toContain('Max-Age=0')
    expect(cleared.yt_csrf!.attrs).toContain('Max-Age=0')
    expect((await refresh({ cookie, csrf: body.csrfToken })).status).toBe(401)
    expect((await core.request('/v1/me', { token: body.accessToken })).status).toBe(401)
  })

  test('API clients keep the body-based refresh token', async () => {
    const s = await signUp(core)
    const res = await core.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: s.refreshToken } })
    expect(res.status).toBe(200)
    expect((await json(res)).refreshToken).toBeString()
    expect(res.headers.getSetCookie()).toEqual([])
  })
})

describe('signed grants for what a browser loads without headers', () => {
  const videoId = '00000000-0000-4000-8000-000000000001'
  const grant = (token: string, paths: string[]) => core.request('/v1/auth/grants', { method: 'POST', token, json: { paths } })

  test('a grant opens its one path, read only, until the session ends', async () => {
    const { body } = await browserSignIn()
    const res = await grant(body.accessToken, [`/v1/videos/${videoId}/thumbnail`, `/v1/videos/${videoId}/file`])
    expect(res.status).toBe(200)
    const { grants } = await json(res)
    // Authenticated by the grant alone: the route checks ownership and answers 404, not 401.
    expect((await core.request(grants[0].url)).status).toBe(404)
    expect((await core.request(grants[1].url)).status).toBe(404)
    // On another path, tampered, or on a route that takes no grants: not authenticated.
    const token = grants[0].url.split('access=')[1]
    expect((await core.request(`/v1/videos/${videoId}/file?access=${token}`)).status).toBe(401)
    expect((await core.request(`/v1/videos/${videoId}/thumbnail?access=${token.slice(0, -2)}00`)).status).toBe(401)
    expect((await core.request(`/v1/me?access=${token}`)).status).toBe(401)
    // Signed out: the grant dies with the session.
    await core.request('/v1/auth/logout', { method: 'POST', token: body.accessToken })
    expect((await core.request(grants[0].url)).status).toBe(401)
  })

  test('only grantable paths; the queue dashboard for admins only; not for API keys', async () => {
    const { body } = await browserSignIn()
    expect((await grant(body.accessToken, ['/v1/me/export'])).status).toBe(403)
    expect((await grant(body.accessToken, ['/admin/queues'])).status).toBe(403)
    const key = await json(
      await core.request('/v1/api-keys', { method: 'POST', token: body.accessToken, json: { name: 'k', scopes: ['read', 'write'] } }),
    )
    expect((await grant(key.key, [`/v1/videos/${videoId}/file`])).status).toBe(403)
  })
})
