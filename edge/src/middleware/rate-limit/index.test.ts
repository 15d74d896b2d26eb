import { createExecutionContext, runDurableObjectAlarm, waitOnExecutionContext } from 'cloudflare:test'
import { env } from 'cloudflare:workers'
import { RATE_LIMITS, type RateLimitClass, rateLimitClassOf } from '@ytempire/contract'
import { describe, expect, it } from 'vitest'
import { accessToken, bearer, edge, edgeApp, json, uniqueId } from '../../../test/helpers'
import { durableObjectRateLimits } from './durable-object'
import type { RateLimitStore } from './interface'
import { EXACT_CLASSES } from './rate-limit'

function limiterFor(key: string) {
  return env.RATE_LIMITER.get(env.RATE_LIMITER.idFromName(key))
}

/** Sends `count` requests in parallel batches and returns their statuses. */
async function burst(count: number, send: () => Promise<Response>): Promise<Response[]> {
  const out: Response[] = []
  for (let i = 0; i < count; i += 25) {
    out.push(...(await Promise.all(Array.from({ length: Math.min(25, count - i) }, send))))
  }
  return out
}

interface Case {
  cls: RateLimitClass
  method: string
  path: () => string
  authenticated: boolean
}

const cases: Case[] = [
  { cls: 'auth', method: 'POST', path: () => '/v1/auth/login', authenticated: false },
  { cls: 'video_generation', method: 'POST', path: () => `/v1/channels/${uniqueId('ch')}/videos`, authenticated: true },
  { cls: 'expensive_operations', method: 'GET', path: () => '/v1/me/export', authenticated: true },
  { cls: 'default', method: 'GET', path: () => `/v1/nostore/${uniqueId()}`, authenticated: true },
  { cls: 'webhook', method: 'POST', path: () => '/webhooks/stripe', authenticated: false },
]

describe('rate limits', () => {
  it("classifies routes as the contract's table says", () => {
    expect(rateLimitClassOf('POST', '/v1/auth/login')).toBe('auth')
    expect(rateLimitClassOf('GET', '/v1/auth/sessions')).toBe('auth')
    expect(rateLimitClassOf('POST', '/v1/channels/abc/videos')).toBe('video_generation')
    expect(rateLimitClassOf('POST', '/v1/channels/abc/videos/batch')).toBe('video_generation')
    expect(rateLimitClassOf('GET', '/v1/channels/abc/videos')).toBe('default')
    expect(rateLimitClassOf('GET', '/v1/me/export')).toBe('expensive_operations')
    expect(rateLimitClassOf('GET', '/v1/videos/v1/file')).toBe('expensive_operations')
    expect(rateLimitClassOf('POST', '/v1/analytics/ch1/refresh')).toBe('expensive_operations')
    expect(rateLimitClassOf('POST', '/webhooks/youtube')).toBe('webhook')
    expect(rateLimitClassOf('GET', '/v1/me')).toBe('default')
    expect(RATE_LIMITS).toEqual({
      default: { limit: 100, windowSeconds: 60 },
      auth: { limit: 5, windowSeconds: 60 },
      video_generation: { limit: 10, windowSeconds: 3600 },
      expensive_operations: { limit: 100, windowSeconds: 86400 },
      webhook: { limit: 600, windowSeconds: 60 },
    })
  })

  for (const { cls, method, path, authenticated } of cases) {
    it(`${cls}: answers 429 after ${RATE_LIMITS[cls].limit} requests, and again after the window resets`, async () => {
      const { limit, windowSeconds } = RATE_LIMITS[cls]
      let now = Date.now()
      const app = edgeApp({}, { clock: () => now })
      const user = uniqueId('user')
      const ip = `198.51.100.${Math.floor(Math.random() * 250) + 1}-${uniqueId()}`
      const headers = authenticated ? bearer(await accessToken(user)) : {}
      const send = () => edge(path(), { method, headers, ip, body: method === 'POST' ? '{}' : undefined }, app)

      const allowed = await burst(limit, send)
      expect(allowed.map((r) => r.status).filter((s) => s === 429)).toEqual([])
      const remaining = allowed.map((r) => Number(r.headers.get('ratelimit-remaining'))).sort((a, b) => a - b)
      expect(remaining[0]).toBe(0)
      expect(remaining.at(-1)).toBe(limit - 1)

      const refused = await send()
      expect(refused.status).toBe(429)
      expect(refused.headers.get('content-type')).toBe('application/problem+json')
      expect(refused.headers.get('ratelimit-limit')).toBe(String(limit))
      expect(refused.headers.get('ratelimit-remaining')).toBe('0')
      const retryAfter = Number(refused.headers.get('retry-after'))
      expect(retryAfter).toBeGreaterThan(0)
      expect(retryAfter).toBeLessThanOrEqual(windowSeconds)
      expect(refused.headers.get('ratelimit-reset')).toBe(String(retryAfter))
      expect(await json(refused)).toMatchObject({ status: 429, title: 'Too Many Requests' })

      // The window's end: the object's alarm resets the count, and the edge's clock passes it.
      const key = `${cls}:${authenticated && cls !== 'webhook' ? `user:${user}` : `ip:${ip}`}`
      expect(await runDurableObjectAlarm(limiterFor(key))).toBe(true)
      now += windowSeconds * 1000
      const after = await send()
      expect(after.status).not.toBe(429)
      expect(after.headers.get('ratelimit-remaining')).toBe(String(limit - 1))
    })
  }

  it('keys anonymous callers by IP and users by user, whatever IP they come from', async () => {
    const user = uniqueId('user')
    const token = await accessToken(user)
    for (let i = 0; i < 5; i++) {
      expect((await edge('/v1/auth/login', { method: 'POST', headers: bearer(token), ip: `10.0.0.${i}` })).status).not.toBe(429)
    }
    // Same user from a sixth address: still the same counter.
    expect((await edge('/v1/auth/login', { method: 'POST', headers: bearer(token), ip: '10.0.0.99' })).status).toBe(429)
    // Another user, and an anonymous caller, have counters of their own.
    const other = bearer(await accessToken(uniqueId('user')))
    expect((await edge('/v1/auth/login', { method: 'POST', headers: other, ip: '10.0.0.99' })).status).not.toBe(429)
    expect((await edge('/v1/auth/login', { method: 'POST', ip: '10.0.0.99' })).status).not.toBe(429)
  })

  it('leaves refreshes to the core, which counts them per token family (many users share one NAT address)', async () => {
    const ip = uniqueId('nat')
    const statuses: number[] = []
    for (let i = 0; i < RATE_LIMITS.auth.limit + 3; i++) {
      statuses.push((await edge('/v1/auth/refresh', { method: 'POST', ip, body: '{}' })).status)
    }
    expect(statuses.filter((s) => s === 429)).toEqual([])
    // A login from the same address is still counted here.
    for (let i = 0; i < RATE_LIMITS.auth.limit; i++) await edge('/v1/auth/login', { method: 'POST', ip, body: '{}' })
    expect((await edge('/v1/auth/login', { method: 'POST', ip, body: '{}' })).status).toBe(429)
  })

  it("counts a video's file as default here: its Range requests are one download, which the core counts once", async () => {
    const app = edgeApp({ rateLimits: { ...RATE_LIMITS, expensive_operations: { limit: 2, windowSeconds: 86400 } } })
    const headers = bearer(await accessToken(uniqueId('user')))
    const statuses: number[] = []
    for (let i = 0; i < 5; i++)
      statuses.push((await edge('/v1/videos/v1/file', { headers: { ...headers, range: `bytes=${i * 100}-` } }, app)).status)
    expect(statuses.filter((s) => s === 429)).toEqual([])
    // The export is still an expensive operation per request.
    for (let i = 0; i < 2; i++) await edge('/v1/me/export', { headers }, app)
    expect((await edge('/v1/me/export', { headers }, app)).status).toBe(429)
  })

  it('counts the strict classes in the Durable Object, so separate edge instances share one exact count', async () => {
    expect([...EXACT_CLASSES].sort()).toEqual(['auth', 'expensive_operations', 'video_generation', 'webhook'])
    // Two apps stand in for two isolates: each has its own memory, both reach the same object.
    const instances = [undefined, edgeApp(), edgeApp()]
    const ip = uniqueId('ip')
    const statuses: number[] = []
    for (let i = 0; i < 7; i++) {
      statuses.push((await edge('/v1/auth/login', { method: 'POST', ip }, instances[i % 3])).status)
    }
    expect(statuses.map((s) => s === 429)).toEqual([false, false, false, false, false, true, true])
  })

  it('counts the default class in the Durable Object too, and an instance learns of a used-up limit one request later', async () => {
    const { limit } = RATE_LIMITS.default
    const user = uniqueId('user')
    const headers = bearer(await accessToken(user))
    const first = edgeApp()
    await burst(limit, () => edge(`/v1/nostore/${uniqueId()}`, { headers }, first))
    // Another isolate has no local view yet: it answers, and the object's count (100 already) teaches it.
    const second = edgeApp()
    expect((await edge(`/v1/nostore/${uniqueId()}`, { headers }, second)).status).toBe(200)
    expect((await edge(`/v1/nostore/${uniqueId()}`, { headers }, second)).status).toBe(429)
    expect((await limiterFor(`default:user:${user}`).hit(limit, 60)).remaining).toBe(0)
  })

  it('answers a cache hit without waiting for the rate-limit store, and the count still reaches it', async () => {
    const real = durableObjectRateLimits(env.RATE_LIMITER)
    // While shut, every call to the real store waits for the test to open it.
    let open = false
    const waiting: Array<() => void> = []
    const gated = <T>(call: () => Promise<T>) =>
      open ? call() : new Promise<T>((resolve, reject) => waiting.push(() => call().then(resolve, reject)))
    const store: RateLimitStore = {
      hit: (key, rule) => gated(() => real.hit(key, rule)),
      record: (key, rule, served) => gated(() => real.record(key, rule, served)),
    }
    const app = edgeApp({}, { rateLimits: store })
    const user = uniqueId('user')
    const headers = bearer(await accessToken(user))
    const path = `/v1/private/${uniqueId()}`
    const send = async () => {
      const ctx = createExecutionContext()
      open = false
      // Were the middleware to wait for the store, this would never resolve.
      const res = await app.fetch(new Request(`https://api.ytempire.test${path}`, { headers }), env, ctx)
      await res.arrayBuffer()
      open = true
      for (const release of waiting.splice(0)) release()
      await waitOnExecutionContext(ctx)
      return res.headers.get('x-cache')
    }
    expect(await send()).toBe('MISS')
    expect(await send()).toBe('HIT')
    // Both requests were counted in the object (the third count is this check's own).
    expect((await limiterFor(`default:user:${user}`).hit(1_000, 60)).remaining).toBe(1_000 - 3)
  })

  it('sends the default class to the store in batches, not one call per request', async () => {
    const real = durableObjectRateLimits(env.RATE_LIMITER)
    const calls: number[] = []
    const counting: RateLimitStore = {
      ...real,
      record: (key, rule, served) => {
        calls.push(served)
        return real.record(key, rule, served)
      },
    }
    const app = edgeApp({}, { rateLimits: counting })
    const user = uniqueId('user')
    const headers = bearer(await accessToken(user))
    const answers = await Promise.all(Array.from({ length: 40 }, () => edge(`/v1/nostore/${uniqueId()}`, { headers }, app)))
    expect(answers.every((r) => r.status === 200)).toBe(true)
    // Every request is counted, in far fewer calls than requests.
    expect(calls.reduce((a, b) => a + b, 0)).toBe(40)
    expect(calls.length).toBeLessThan(10)
    expect((await limiterFor(`default:user:${user}`).hit(1_000, 60)).remaining).toBe(1_000 - 41)
  })

  it('puts RateLimit headers on every limited response', async () => {
    const res = await edge(`/v1/nostore/${uniqueId()}`, { ip: uniqueId('ip') })
    expect(res.status).toBe(200)
    expect(res.headers.get('ratelimit-limit')).toBe('100')
    expect(res.headers.get('ratelimit-remaining')).toBe('99')
    expect(Number(res.headers.get('ratelimit-reset'))).toBeGreaterThan(0)
  })
})
