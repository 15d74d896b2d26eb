import { describe, expect, test } from 'bun:test'
import { createHmac } from 'node:crypto'
import { SECURITY_HEADERS } from '@ytempire/contract'
import { json, testCore } from './harness'

const { env, core, admin: user } = await testCore()

const expectSecurityHeaders = (res: Response) => {
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value)
}

describe('security headers', () => {
  test('on success, on every kind of error, and on the 429', async () => {
    expectSecurityHeaders(await core.request('/health'))
    expectSecurityHeaders(await core.request('/v1/me', { token: user.accessToken }))
    expectSecurityHeaders(await core.request('/v1/nothing-here'))
    expectSecurityHeaders(await core.request('/v1/me'))
    expectSecurityHeaders(await core.request('/v1/auth/register', { method: 'POST', json: { email: 1 } }))
    const limited = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, auth: { limit: 1, windowSeconds: 60 } } }))
    await limited.request('/v1/auth/login', { method: 'POST', json: { email: 'a@b.co', password: 'x' }, ip: '198.51.100.99' })
    const res = await limited.request('/v1/auth/login', { method: 'POST', json: { email: 'a@b.co', password: 'x' }, ip: '198.51.100.99' })
    expect(res.status).toBe(429)
    expectSecurityHeaders(res)
  })
})

describe('errors', () => {
  test('every error is problem+json with type, title, status; never a stack trace', async () => {
    const cases = [
      await core.request('/v1/nothing-here'),
      await core.request('/v1/me'),
      await core.request('/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }),
      await core.request('/v1/auth/register', { method: 'POST', json: {} }),
      await core.request('/v1/me/sessions/not-a-uuid', { method: 'DELETE', token: user.accessToken }),
    ]
    for (const res of cases) {
      expect(res.status).toBeGreaterThanOrEqual(400)
      expect(res.status).toBeLessThan(500)
      expect(res.headers.get('content-type')).toContain('application/problem+json')
      const body = await json(res)
      expect(body.status).toBe(res.status)
      expect(typeof body.type).toBe('string')
      expect(typeof body.title).toBe('string')
      expect(JSON.stringify(body)).not.toMatch(/at .*\.ts:\d+|stack/i)
    }
  })

  test('a malformed JSON body is a 400, not a 500', async () => {
    const res = await core.request('/v1/auth/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"email":' })
    expect([400, 422]).toContain(res.status)
  })

  test('missing required fields are named', async () => {
    const body = await json(await core.request('/v1/auth/register', { method: 'POST', json: { email: 'x@example.com' } }))
    expect(body.errors.map((e: { field: string }) => e.field)).toContain('password')
  })

  test('bodies over the size cap are refused with 413', async () => {
    const res = await core.request('/v1/auth/register', {
      method: 'POST',
      headers: { 'content-length': String(2 * 1024 * 1024) },
      json: { email: 'x'.repeat(100) },
    })
    expect(res.status).toBe(413)
    expect(res.headers.get('content-type')).toContain('application/problem+json')
  })
})

describe('request ids', () => {
  test('a request id is returned; a well-formed incoming one is kept', async () => {
    const fresh = await core.request('/health')
    expect(fresh.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/)
    const kept = await core.request('/health', { headers: { 'x-request-id': 'abc12345-trace' } })
    expect(kept.headers.get('x-request-id')).toBe('abc12345-trace')
    const junk = await core.request('/health', { headers: { 'x-request-id': '<script>' } })
    expect(junk.headers.get('x-request-id')).not.toBe('<script>')
  })
})

describe('CORS', () => {
  test('an allowed origin gets CORS headers and a preflight answer', async () => {
    const origin = 'https://app.ytempire.test'
    const pre = await core.request('/v1/me', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe(origin)
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization')
    const res = await core.request('/health', { headers: { origin } })
    expect(res.headers.get('access-control-allow-origin')).toBe(origin)
  })

  test('an origin not on the allow-list gets no CORS headers and a refused preflight', async () => {
    const origin = 'https://evil.example'
    const pre = await core.request('/v1/me', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } })
    expect(pre.status).toBe(403)
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
    expect((await core.request('/health', { headers: { origin } })).headers.get('access-control-allow-origin')).toBeNull()
  })
})

describe('edge-signed headers', () => {
  const sign = (secret: string, ts: string, method: string, path: string, ip: string, userId: string, rid: string) =>
    createHmac('sha256', secret).update([ts, method, path, ip, userId, rid].join('\n')).digest('hex')
  const edgeHeaders = (secret: string, ip: string, path = '/health', ts = String(Math.floor(Date.now() / 1000)), method = 'GET') => {
    const rid = 'edge-req-0001'
    return {
      'x-edge-timestamp': ts,
      'x-edge-client-ip': ip,
      'x-edge-user': '',
      'x-request-id': rid,
      'x-edge-signature': sign(secret, ts, method, path, ip, '', rid),
    }
  }

  test('correctly signed edge headers are trusted: rate limits count the client IP they name', async () => {
    expect((await core.request('/health', { headers: edgeHeaders('edge-test-secret', '192.0.2.44') })).status).toBe(200)
    const limited = await env.core((c) => ({ ...c, rateLimits: { ...c.rateLimits, auth: { limit: 1, windowSeconds: 60 } } }))
    // Every request also carries the harness's one X-Forwarded-For address; only the edge's client IP differs.
    const login = (ip: string) =>
      limited.request('/v1/auth/login', {
        method: 'POST',
        json: { email: 'nobody@example.com', password: 'whatever-pass!' },
        headers: edgeHeaders('edge-test-secret', ip, '/v1/auth/login', undefined, 'POST'),
      })
    expect((await login('192.0.2.144')).status).toBe(401)
    expect((await login('192.0.2.144')).status).toBe(429)
    expect((await login('192.0.2.145')).status).toBe(401)
  })

  test('forged, stale, or unsigned edge headers are refused with 401', async () => {
    const forged = await core.request('/health', { headers: edgeHeaders('not-the-secret', '192.0.2.44') })
    expect(forged.status).toBe(401)
    expect((await json(forged)).type).toContain('forged-edge-headers')
    const stale = await core.request('/health', {
      headers: edgeHeaders('edge-test-secret', '192.0.2.44', '/health', String(Math.floor(Date.now() / 1000) - 600)),
    })
    expect(stale.status).toBe(401)
    const unsigned = await core.request('/health', { headers: { 'x-edge-client-ip': '192.0.2.44' } })
    expect(unsigned.status).toBe(401)
    const tampered = edgeHeaders('edge-test-secret', '192.0.2.44')
    const moved = await core.request('/health', { headers: { ...tampered, 'x-edge-client-ip': '192.0.2.45' } })
    expect(moved.status).toBe(401)
  })

  test('a core without the shared secret refuses every edge header', async () => {
    const noSecret = await env.core((c) => ({ ...c, edgeSharedSecret: undefined }))
    expect((await noSecret.request('/health', { headers: edgeHeaders('edge-test-secret', '192.0.2.44') })).status).toBe(401)
  })
})
