import { beforeAll, describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { type Core, json, signUp, testEnv, totp } from './harness'

const env = await testEnv()
let a: Core
let b: Core
beforeAll(async () => {
  a = await env.core()
  b = await env.core()
  await signUp(a)
})

describe('response cache', () => {
  test('GET /v1/me: MISS then HIT, private and keyed per user', async () => {
    const u1 = await signUp(a)
    const u2 = await signUp(a)
    const first = await a.request('/v1/me', { token: u1.accessToken })
    expect(first.headers.get('x-cache')).toBe('MISS')
    expect(first.headers.get('cache-control')).toBe('private, max-age=300')
    const second = await a.request('/v1/me', { token: u1.accessToken })
    expect(second.headers.get('x-cache')).toBe('HIT')
    expect((await json(second)).id).toBe(u1.user.id)
    const other = await a.request('/v1/me', { token: u2.accessToken })
    expect(other.headers.get('x-cache')).toBe('MISS')
    expect((await json(other)).id).toBe(u2.user.id)
  })

  test('invalidation is seen across two core instances at once', async () => {
    const u = await signUp(a)
    // Both instances hold the answer: A computed it, B read it from Redis and keeps it in memory.
    expect((await a.request('/v1/me', { token: u.accessToken })).headers.get('x-cache')).toBe('MISS')
    expect((await b.request('/v1/me', { token: u.accessToken })).headers.get('x-cache')).toBe('HIT')
    expect((await json(await b.request('/v1/me', { token: u.accessToken }))).mfaEnabled).toBe(false)

    // A write on A changes what /v1/me says.
    const { secret } = await json(await a.request('/v1/auth/mfa/enroll', { method: 'POST', token: u.accessToken }))
    expect((await a.request('/v1/auth/mfa/confirm', { method: 'POST', token: u.accessToken, json: { code: totp(secret) } })).status).toBe(
      200,
    )

    // Once the invalidation reaches B over pub/sub, B computes the answer afresh.
    const fromB = await waitUntil(
      async () => {
        const res = await b.request('/v1/me', { token: u.accessToken })
        const body = await json(res)
        return body.mfaEnabled === true && { cache: res.headers.get('x-cache') }
      },
      { what: 'B to see MFA enabled' },
    )
    expect(fromB.cache).toBe('MISS')
  })

  test('hits and misses are exported as metrics', async () => {
    const text = await (await a.request('/metrics')).text()
    expect(text).toMatch(/cache_hits_total\{layer="memory"\} [1-9]/)
    expect(text).toMatch(/cache_misses_total [1-9]/)
    expect(text).toMatch(/http_request_duration_seconds_bucket\{.*route="\/v1\/me".*status="200"/)
  })
})
