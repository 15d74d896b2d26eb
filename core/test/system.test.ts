import { describe, expect, test } from 'bun:test'
import { waitUntil } from '@ytempire/test-support'
import { createLocalClient } from '../src/client'
import { loadConfig } from '../src/config'
import { startCore } from '../src/server'
import { json, PASSWORD, REDIS_URL, testCore, uniqueEmail } from './harness'

const { env, core } = await testCore()

describe('health, readiness, metrics, docs', () => {
  test('/health and /ready', async () => {
    expect(await json(await core.request('/health'))).toEqual({ status: 'ok' })
    const ready = await core.request('/ready')
    expect(ready.status).toBe(200)
    expect(await json(ready)).toMatchObject({ status: 'ready', postgres: 'ok', redis: 'ok' })
  })

  test('/ready answers 503 when Redis is unreachable', async () => {
    const broken = await env.core()
    broken.deps.redis.disconnect()
    const res = await broken.request('/ready')
    expect(res.status).toBe(503)
    expect((await json(res)).redis).toStartWith('down')
  })

  test('/metrics is Prometheus text with latency histograms by route and status', async () => {
    await core.request('/v1/nowhere')
    // Recorded after the response is sent.
    const text = await waitUntil(
      async () => {
        const res = await core.request('/metrics')
        expect(res.headers.get('content-type')).toContain('text/plain')
        const body = await res.text()
        return /status="404"/.test(body) && body
      },
      { what: 'the 404 in /metrics' },
    )
    expect(text).toContain('# TYPE http_request_duration_seconds histogram')
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\}/)
    expect(text).toMatch(/status="404"/)
  })

  test('OpenAPI document at /swagger/json covers every route; Swagger UI at /swagger', async () => {
    const doc = await json(await core.request('/swagger/json'))
    expect(doc.openapi).toStartWith('3.')
    for (const path of [
      '/v1/auth/register',
      '/v1/auth/login',
      '/v1/auth/refresh',
      '/v1/auth/logout',
      '/v1/me',
      '/v1/me/export',
      '/v1/api-keys',
      '/v1/api-keys/{id}',
      '/v1/admin/users',
      '/v1/admin/users/{id}/role',
      '/.well-known/jwks.json',
      '/health',
      '/ready',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path)
    }
    const ui = await core.request('/swagger')
    expect(ui.status).toBe(200)
    expect(await ui.text()).toContain('swagger')
  })
})

describe('Eden client', () => {
  test('the typed client registers, signs in and reads /v1/me', async () => {
    let token: string | undefined
    const client = createLocalClient(core.app, { token: () => token, headers: () => ({ 'x-forwarded-for': '203.0.113.50' }) })
    const email = uniqueEmail('eden')
    const reg = await client.v1.auth.register.post({ email, password: PASSWORD })
    expect(reg.status).toBe(201)
    const login = await client.v1.auth.login.post({ email, password: PASSWORD })
    expect(login.error).toBeNull()
    token = login.data!.accessToken
    const me = await client.v1.me.get()
    expect(me.data?.email).toBe(email)
  })
})

describe('graceful shutdown', () => {
  test('stop() lets an in-flight request finish, then refuses new connections', async () => {
    const config = {
      ...loadConfig({ NODE_ENV: 'test', DATABASE_URL: env.db.url, REDIS_URL, REDIS_PREFIX: env.prefix, PORT: '0' }),
      host: '127.0.0.1',
    }
    const running = await startCore(config)
    const url = running.url
    const email = uniqueEmail('drain')
    await fetch(`${url}/v1/auth/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    })
    // Login spends ~100 ms in argon2: the stop begins once the server counts it in flight.
    const inFlight = fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password: PASSWORD }),
    })
    await waitUntil(() => (running.app.server?.pendingRequests ?? 0) > 0, { what: 'the login in flight', intervalMs: 1 })
    const stopped = running.stop()
    const res = await inFlight
    expect(res.status).toBe(200)
    expect((await json(res)).accessToken).toBeString()
    await stopped
    await expect(fetch(`${url}/health`)).rejects.toThrow()
  })
})
