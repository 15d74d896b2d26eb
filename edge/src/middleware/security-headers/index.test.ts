import { SECURITY_HEADERS } from '@ytempire/contract'
import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { edge, uniqueId } from '../../../test/helpers'
import { securityHeaders } from './index'

describe('security headers', () => {
  it("puts the seed's headers on proxied answers and on the edge's own errors", async () => {
    const ok = await edge(`/v1/echo/${uniqueId()}`)
    const refused = await edge(`/v1/echo/${uniqueId()}`, { headers: { authorization: 'Bearer nonsense' } })
    expect(ok.status).toBe(200)
    expect(refused.status).toBe(401)
    for (const res of [ok, refused]) {
      for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(res.headers.get(name)).toBe(value)
    }
  })

  it('leaves a header the origin chose', async () => {
    const app = new Hono()
    app.use(securityHeaders())
    app.get('/docs', (c) => c.text('docs', 200, { 'Content-Security-Policy': "default-src 'self' 'unsafe-inline'" }))
    const res = await app.request('/docs')
    expect(res.headers.get('content-security-policy')).toBe("default-src 'self' 'unsafe-inline'")
    expect(res.headers.get('x-frame-options')).toBe('DENY')
  })

  it('refuses a malformed header at setup', () => {
    expect(() => securityHeaders({ 'Bad Header': 'x' })).toThrow(/bad header/)
  })

  it('answers CORS preflights at the edge for allowed origins only', async () => {
    const path = `/v1/private/${uniqueId()}`
    const allowed = await edge(path, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.ytempire.test', 'access-control-request-method': 'POST' },
    })
    expect(allowed.status).toBe(204)
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://app.ytempire.test')
    expect(allowed.headers.get('access-control-allow-methods')).toContain('PATCH')
    expect(allowed.headers.get('x-content-type-options')).toBe('nosniff')

    const foreign = await edge(path, { method: 'OPTIONS', headers: { origin: 'https://evil.test' } })
    expect(foreign.headers.get('access-control-allow-origin')).toBeNull()

    // A cached answer carries the CORS headers of the request it answers, not of the one that filled it.
    const cached = `/static/${uniqueId()}.css`
    await edge(cached, { headers: { origin: 'https://app.ytempire.test' } })
    const hit = await edge(cached)
    expect(hit.headers.get('x-cache')).toBe('HIT')
    expect(hit.headers.get('access-control-allow-origin')).toBeNull()

    const get = await edge(`/v1/echo/${uniqueId()}`, { headers: { origin: 'https://app.ytempire.test' } })
    expect(get.headers.get('access-control-allow-origin')).toBe('https://app.ytempire.test')
    expect(get.headers.get('access-control-expose-headers')).toContain('RateLimit-Remaining')
  })
})
