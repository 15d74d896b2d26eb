import { beforeAll, describe, expect, test } from 'bun:test'
import { RATE_LIMITS, rateLimitClassOf } from '@ytempire/contract'
import { type Core, json, signUp, testEnv } from './harness'

const env = await testEnv()
let core: Core
// This instance runs the seed's real limits (the harness raises them for other tests).
let strict: Core
beforeAll(async () => {
  core = await env.core()
  strict = await env.core((c) => ({ ...c, rateLimits: RATE_LIMITS }))
})

describe('rate limits (Redis, shared by all instances)', () => {
  test('the 6th login in a minute gets 429 with Retry-After and RateLimit headers', async () => {
    const ip = '198.51.100.10'
    const statuses: number[] = []
    let last: Response | undefined
    for (let i = 0; i < 6; i++) {
      last = await strict.request('/v1/auth/login', {
        method: 'POST',
        json: { email: 'nobody@example.com', password: 'whatever-pass!' },
        ip,
      })
      statuses.push(last.status)
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses[5]).toBe(429)
    const retryAfter = Number(last!.headers.get('retry-after'))
    expect(retryAfter).toBeGreaterThan(0)
    expect(retryAfter).toBeLessThanOrEqual(60)
    expect(last!.headers.get('ratelimit-limit')).toBe('5')
    expect(last!.headers.get('ratelimit-remaining')).toBe('0')
    expect(last!.headers.get('content-type')).toContain('application/problem+json')
    // Another address is not affected.
    expect(
      (
        await strict.request('/v1/auth/login', {
          method: 'POST',
          json: { email: 'nobody@example.com', password: 'whatever-pass!' },
          ip: '198.51.100.11',
        })
      ).status,
    ).toBe(401)
  })

  test('counts are shared across core instances', async () => {
    const other = await env.core((c) => ({ ...c, rateLimits: RATE_LIMITS }))
    const ip = '198.51.100.20'
    for (let i = 0; i < 3; i++)
      await strict.request('/v1/auth/login', { method: 'POST', json: { email: 'n@example.com', password: 'whatever-pass!' }, ip })
    for (let i = 0; i < 2; i++)
      await other.request('/v1/auth/login', { method: 'POST', json: { email: 'n@example.com', password: 'whatever-pass!' }, ip })
    expect(
      (await other.request('/v1/auth/login', { method: 'POST', json: { email: 'n@example.com', password: 'whatever-pass!' }, ip })).status,
    ).toBe(429)
  })

  test('authenticated requests are limited per user (default class), whatever the address', async () => {
    const s = await signUp(core)
    const small = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, default: { limit: 3, windowSeconds: 60 } } }))
    const statuses = []
    for (let i = 0; i < 4; i++) statuses.push((await small.request('/v1/me', { token: s.accessToken, ip: `203.0.113.${i + 1}` })).status)
    expect(statuses).toEqual([200, 200, 200, 429])
    const other = await signUp(core)
    expect((await small.request('/v1/me', { token: other.accessToken })).status).toBe(200)
  })

  test('concurrent requests are counted exactly: of 20 at once with a limit of 10, exactly 10 pass', async () => {
    const s = await signUp(core)
    const small = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, default: { limit: 10, windowSeconds: 60 } } }))
    const responses = await Promise.all(Array.from({ length: 20 }, () => small.request('/v1/me', { token: s.accessToken })))
    expect(responses.filter((r) => r.status === 200)).toHaveLength(10)
    expect(responses.filter((r) => r.status === 429)).toHaveLength(10)
    const remaining = responses
      .filter((r) => r.status === 200)
      .map((r) => Number(r.headers.get('ratelimit-remaining')))
      .sort((x, y) => x - y)
    expect(remaining).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
    // The same count is seen by another instance.
    const other = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, default: { limit: 10, windowSeconds: 60 } } }))
    expect((await other.request('/v1/me', { token: s.accessToken })).status).toBe(429)
  })

  test('the window resets', async () => {
    const quick = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, auth: { limit: 1, windowSeconds: 1 } } }))
    const ip = '198.51.100.30'
    const body = { email: 'n@example.com', password: 'whatever-pass!' }
    expect((await quick.request('/v1/auth/login', { method: 'POST', json: body, ip })).status).toBe(401)
    expect((await quick.request('/v1/auth/login', { method: 'POST', json: body, ip })).status).toBe(429)
    await Bun.sleep(1100)
    expect((await quick.request('/v1/auth/login', { method: 'POST', json: body, ip })).status).toBe(401)
  })

  test('the expensive_operations class applies to the GDPR export', async () => {
    const s = await signUp(core)
    const res = await core.request('/v1/me/export', { token: s.accessToken })
    expect(res.headers.get('ratelimit-limit')).toBe(String(RATE_LIMITS.expensive_operations.limit))
    expect(res.headers.get('ratelimit-policy')).toBe('100;w=86400')
  })

  test('rejections are counted in /metrics', async () => {
    const text = await (await strict.request('/metrics')).text()
    expect(text).toMatch(/rate_limit_rejections_total\{class="auth"\} [1-9]/)
    expect(await json(await strict.request('/health'))).toEqual({ status: 'ok' })
  })
})

describe('refresh is counted per session, not with the logins of its address', () => {
  test('logins that used up an address’s auth limit leave refreshes from it alone; six refreshes of one session in a minute get 429', async () => {
    const ip = '198.51.100.40'
    const a = await signUp(core)
    const b = await signUp(core)
    for (let i = 0; i < 5; i++)
      await strict.request('/v1/auth/login', { method: 'POST', json: { email: 'nobody@example.com', password: 'whatever-pass!' }, ip })
    const login = await strict.request('/v1/auth/login', { method: 'POST', json: { email: a.email, password: a.password }, ip })
    expect(login.status).toBe(429)

    let refreshToken = a.refreshToken
    const statuses: number[] = []
    for (let i = 0; i < 6; i++) {
      const res = await strict.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken }, ip })
      statuses.push(res.status)
      if (res.status === 200) refreshToken = (await json(res)).refreshToken
      else expect(res.headers.get('retry-after')).not.toBeNull()
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429])
    // Another session behind the same address is not affected.
    expect((await strict.request('/v1/auth/refresh', { method: 'POST', json: { refreshToken: b.refreshToken }, ip })).status).toBe(200)
  })
})

describe('one table of classes', () => {
  test("every /v1 route is charged to the class the contract's rateLimitOf names", async () => {
    const s = await signUp(core)
    const doc = await json(await core.request('/swagger/json'))
    const anonymous = /^\/v1\/auth\/(register|login|refresh|logout)$/
    const checked: string[] = []
    for (const [template, operations] of Object.entries<Record<string, unknown>>(doc.paths)) {
      // A browser refresh is charged once its cookie names a session, and needs a browser session to get there.
      if (!template.startsWith('/v1/') || template === '/v1/auth/web/refresh') continue
      const path = template.replace(/\{[^}]+\}/g, crypto.randomUUID())
      for (const method of Object.keys(operations)) {
        // A refresh is charged to its token's family once the body names one (an unknown token: the address).
        const body = template === '/v1/auth/refresh' ? { refreshToken: 'r'.repeat(43) } : undefined
        const res = await core.request(path, {
          method: method.toUpperCase(),
          token: anonymous.test(template) ? undefined : s.accessToken,
          json: body,
        })
        await res.body?.cancel()
        const { limit, windowSeconds } = env.config.rateLimits[rateLimitClassOf(method.toUpperCase(), path)]
        expect({ route: `${method} ${template}`, policy: res.headers.get('ratelimit-policy') }).toEqual({
          route: `${method} ${template}`,
          policy: `${limit};w=${windowSeconds}`,
        })
        checked.push(`${method} ${template}`)
      }
    }
    expect(checked).toContain('post /v1/me/password')
    expect(checked).toContain('post /v1/admin/signing-keys/rotate')
    expect(checked.length).toBeGreaterThan(40)
  })
})
