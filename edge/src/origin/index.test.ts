import { describe, expect, inject, it } from 'vitest'
import { accessToken, bearer, edge, edgeApp, json, originHits, uniqueId } from '../../test/helpers'
import { ConfigError, loadConfig } from '../config'
import { importSigningKey, signEdgeClaims } from './signature'

interface Echo {
  hit: number
  edge: { signature: string; user: string; clientIp: string; requestId: string }
  requestId: string
  forwardedFor: string
  bodyLength: number
  sha256?: string
  stripeSignature?: string
  hubSignature?: string
  contentType?: string
}

async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes))
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('')
}

describe('origin forwarding', () => {
  it('signs what it vouches for as the contract says', async () => {
    const key = await importSigningKey('0123456789abcdef-secret')
    const signature = await signEdgeClaims(key, {
      timestamp: 1767225600,
      method: 'GET',
      pathWithQuery: '/v1/me?x=1',
      clientIp: '203.0.113.7',
      userId: 'user-1',
      requestId: 'req-1',
    })
    // HMAC-SHA256 computed independently (Node's crypto) over the newline-joined fields.
    expect(signature).toBe('0ce069ecc949d2bb834158405b330a632a7614cbba81804988010bd3235b4415')
  })

  it('tells the origin the client IP, the verified user and the request id, signed', async () => {
    const user = uniqueId('user')
    const res = await edge(`/v1/echo/${uniqueId()}?q=a%20b&x=1`, {
      headers: { ...bearer(await accessToken(user)), 'x-request-id': 'req-abc.123' },
      ip: '203.0.113.77',
    })
    expect(res.status).toBe(200)
    const echo = await json<Echo>(res)
    expect(echo.edge).toEqual({ signature: 'valid', user, clientIp: '203.0.113.77', requestId: 'req-abc.123' })
    expect(echo.forwardedFor).toBe('203.0.113.77')
    expect(res.headers.get('x-request-id')).toBe('req-abc.123')
  })

  it('makes a request id when the caller sent none (or an unusable one)', async () => {
    for (const sent of [undefined, 'has spaces <and> "quotes"']) {
      const res = await edge(`/v1/echo/${uniqueId()}`, { headers: sent ? { 'x-request-id': sent } : {} })
      const id = res.headers.get('x-request-id')
      expect(id).toMatch(/^[0-9a-f-]{36}$/)
      expect((await json<Echo>(res)).edge.requestId).toBe(id)
    }
  })

  it("drops edge headers a caller forged, so the origin sees only the edge's", async () => {
    const res = await edge(`/v1/echo/${uniqueId()}`, {
      headers: {
        'x-edge-user': 'admin-user',
        'x-edge-client-ip': '10.0.0.1',
        'x-edge-signature': '00'.repeat(32),
        'x-edge-timestamp': String(Math.floor(Date.now() / 1000)),
      },
      ip: '203.0.113.5',
    })
    expect(res.status).toBe(200)
    expect((await json<Echo>(res)).edge).toMatchObject({ signature: 'valid', user: '', clientIp: '203.0.113.5' })
  })

  it('answers 502 problem+json when the origin is down', async () => {
    const app = edgeApp({ originUrl: new URL(inject('deadOriginUrl')) })
    const res = await edge(`/v1/nostore/${uniqueId()}`, {}, app)
    expect(res.status).toBe(502)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await json(res)).toMatchObject({ status: 502, title: 'Bad Gateway' })
    expect(res.headers.get('x-frame-options')).toBe('DENY')
    expect(res.headers.get('x-request-id')).toBeTruthy()
  })

  it('answers 504 problem+json when the origin is too slow', async () => {
    const app = edgeApp({ originTimeoutMs: 200 })
    const res = await edge(`/v1/slow/${uniqueId()}`, {}, app)
    expect(res.status).toBe(504)
    expect(res.headers.get('content-type')).toBe('application/problem+json')
    expect(await json(res)).toMatchObject({ status: 504, title: 'Gateway Timeout' })
  })

  it('refuses bodies over the limit with 413 before the origin sees them', async () => {
    const path = `/v1/echo/${uniqueId()}`
    const big = new Uint8Array(65_537)
    const declared = await edge(path, { method: 'POST', body: big })
    expect(declared.status).toBe(413)
    expect(await json(declared)).toMatchObject({ status: 413 })
    // Without a Content-Length the edge counts the stream.
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(big.subarray(0, 40_000))
        controller.enqueue(big.subarray(40_000))
        controller.close()
      },
    })
    const chunked = await edge(path, { method: 'POST', body: stream })
    expect(chunked.status).toBe(413)
    expect(await originHits(path)).toBe(0)
    const fits = await edge(path, { method: 'POST', body: new Uint8Array(65_536) })
    expect(fits.status).toBe(201)
    expect((await json<Echo>(fits)).bodyLength).toBe(65_536)
  })

  it('passes webhooks through untouched: raw bytes, signature headers, no JWT, no cache', async () => {
    // Bytes a JSON round trip would change: odd spacing, CRLF, key order, invalid UTF-8.
    const body = new Uint8Array([...new TextEncoder().encode('{"id": "evt_1",  "b":1,\r\n"a":[ 1.0 ]}  \n'), 0xff, 0xfe, 0x00])
    const signature = 't=1767225600,v1=5257a869e7ecebeda32affa62cdca3fa51cad7e77a0e56ff536d0ce8e108d8bd'
    const res = await edge('/webhooks/stripe', {
      method: 'POST',
      body,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'stripe-signature': signature,
        // Not a JWT, and not the edge's business on a webhook route.
        authorization: 'Bearer not-a-jwt',
      },
    })
    expect(res.status).toBe(200)
    const echo = await json<Echo>(res)
    expect(echo.sha256).toBe(await sha256Hex(body))
    expect(echo.bodyLength).toBe(body.length)
    expect(echo.stripeSignature).toBe(signature)
    expect(echo.contentType).toBe('application/json; charset=utf-8')
    expect(echo.edge.signature).toBe('valid')
    expect(res.headers.has('x-cache')).toBe(false)

    const youtube = await edge('/webhooks/youtube', {
      method: 'POST',
      body: '<feed><entry><yt:videoId>abc</yt:videoId></entry></feed>',
      headers: { 'content-type': 'application/atom+xml', 'x-hub-signature': 'sha1=0123abcd' },
    })
    expect((await json<Echo>(youtube)).hubSignature).toBe('sha1=0123abcd')

    // The WebSub challenge is a GET and must reach the core every time.
    const challenge = `/webhooks/youtube?hub.challenge=${uniqueId()}`
    await edge(challenge)
    await edge(challenge)
    expect(await originHits('/webhooks/youtube')).toBeGreaterThanOrEqual(3)
    expect((await json<Echo>(await edge(challenge))).hit).toBeGreaterThan(3)
  })

  it('refuses to start without a usable shared secret or origin', () => {
    const env = { RATE_LIMITER: undefined, CACHE_INDEX: undefined } as never
    expect(() => loadConfig(env)).toThrow(ConfigError)
    expect(() => loadConfig({ ...(env as object), EDGE_SHARED_SECRET: 'short' } as never)).toThrow(/EDGE_SHARED_SECRET/)
    expect(() => loadConfig({ ...(env as object), EDGE_SHARED_SECRET: 'x'.repeat(32), ORIGIN_URL: 'ftp://nope' } as never)).toThrow(
      /ORIGIN_URL/,
    )
    const config = loadConfig({ ...(env as object), EDGE_SHARED_SECRET: 'x'.repeat(32) } as never)
    expect(config.originUrl.href).toBe('http://127.0.0.1:3000/')
    expect(config.jwksUrl.href).toBe('http://127.0.0.1:3000/.well-known/jwks.json')
    expect(config.jwtIssuer).toBe('ytempire')
    expect(config.jwtAudience).toBe('ytempire-api')
  })
})
