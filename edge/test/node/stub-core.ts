/**
 * A stand-in for the core at the HTTP boundary, run in Node: it serves a JWKS made with jose,
 * verifies the edge's signed headers as the contract says the core must, marks answers cacheable
 * per the contract, and counts the requests it receives per path.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { exportJWK, generateKeyPair, type JWK } from 'jose'

export interface StubCore {
  url: string
  privateJwk: JWK
  publicJwk: JWK
  sharedSecret: string
  hits(path: string): number
  close(): Promise<void>
}

export const STUB_KID = 'stub-key-1'

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

interface EdgeView {
  /** "none" when no X-Edge-* header came, "valid" or "forged" otherwise. */
  signature: 'none' | 'valid' | 'forged'
  user: string
  clientIp: string
  requestId: string
}

function verifyEdge(req: IncomingMessage, secret: string): EdgeView {
  const h = (name: string) => {
    const value = req.headers[name]
    return Array.isArray(value) ? value.join(',') : (value ?? '')
  }
  const view = { user: h('x-edge-user'), clientIp: h('x-edge-client-ip'), requestId: h('x-request-id') }
  const anyEdgeHeader = Object.keys(req.headers).some((name) => name.startsWith('x-edge-'))
  if (!anyEdgeHeader) return { signature: 'none', ...view }
  const ts = h('x-edge-timestamp')
  const input = [ts, req.method, req.url, view.clientIp, view.user, view.requestId].join('\n')
  const expected = createHmac('sha256', secret).update(input).digest()
  const given = Buffer.from(h('x-edge-signature'), 'hex')
  const fresh = Math.abs(Date.now() / 1000 - Number(ts)) <= 60
  const valid = fresh && given.length === expected.length && timingSafeEqual(given, expected)
  return { signature: valid ? 'valid' : 'forged', ...view }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}) {
  const json = JSON.stringify(body)
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json), ...headers })
  res.end(json)
}

export async function startStubCore(options: { port?: number; sharedSecret?: string } = {}): Promise<StubCore> {
  const sharedSecret = options.sharedSecret ?? `stub-secret-${crypto.randomUUID()}`
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  const privateJwk = { ...(await exportJWK(privateKey)), kid: STUB_KID, alg: 'RS256' }
  const publicJwk = { ...(await exportJWK(publicKey)), kid: STUB_KID, alg: 'RS256', use: 'sig' }
  const counts = new Map<string, number>()

  const server: Server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stub')
    const path = url.pathname
    if (path === '/__hits') return send(res, 200, { hits: counts.get(url.searchParams.get('path') ?? '') ?? 0 })
    const hit = (counts.get(path) ?? 0) + 1
    counts.set(path, hit)

    const body = await readBody(req)
    const edge = verifyEdge(req, sharedSecret)
    if (edge.signature === 'forged') {
      return send(
        res,
        401,
        { type: 'about:blank', title: 'Unauthorized', status: 401, detail: 'forged edge headers' },
        {
          'content-type': 'application/problem+json',
        },
      )
    }
    const echo = {
      path,
      query: url.search,
      method: req.method,
      hit,
      edge,
      authorization: req.headers.authorization ?? null,
      bodyLength: body.length,
      requestId: req.headers['x-request-id'] ?? null,
      forwardedFor: req.headers['x-forwarded-for'] ?? null,
    }
    const m = req.method ?? 'GET'

    if (path === '/.well-known/jwks.json') return send(res, 200, { keys: [publicJwk] }, { 'cache-control': 'public, max-age=300' })

    if (path.startsWith('/webhooks/')) {
      return send(res, 200, {
        ...echo,
        sha256: createHash('sha256').update(body).digest('hex'),
        contentType: req.headers['content-type'] ?? null,
        stripeSignature: req.headers['stripe-signature'] ?? null,
        hubSignature: req.headers['x-hub-signature'] ?? null,
      })
    }

    if (path === '/v1/me' && m === 'GET') {
      const auth = req.headers.authorization ?? ''
      if (auth.startsWith('Bearer ytk_')) {
        if (auth.startsWith('Bearer ytk_good_')) {
          return send(
            res,
            200,
            { id: `owner-of-${auth.slice('Bearer ytk_good_'.length)}`, role: 'member', hit },
            {
              'cache-control': 'private, max-age=300',
            },
          )
        }
        return send(res, 401, { title: 'Unauthorized', status: 401 }, { 'content-type': 'application/problem+json' })
      }
      if (edge.signature === 'valid' && edge.user) {
        return send(res, 200, { id: edge.user, hit }, { 'cache-control': 'private, max-age=300' })
      }
      return send(res, 401, { title: 'Unauthorized', status: 401 }, { 'content-type': 'application/problem+json' })
    }

    if (m === 'GET' || m === 'HEAD') {
      if (path.startsWith('/v1/private/')) return send(res, 200, echo, { 'cache-control': 'private, max-age=300' })
      if (path.startsWith('/v1/analytics/')) return send(res, 200, echo, { 'cache-control': 'private, max-age=60' })
      if (path.startsWith('/v1/public/')) return send(res, 200, echo, { 'cache-control': 'public, max-age=300' })
      if (path.startsWith('/static/')) return send(res, 200, echo, { 'cache-control': 'public, max-age=86400' })
      if (path.startsWith('/v1/nostore/')) return send(res, 200, echo, { 'cache-control': 'no-store' })
      if (path.startsWith('/v1/error/')) return send(res, 500, echo, { 'cache-control': 'private, max-age=300' })
      if (path.startsWith('/v1/cookie/')) {
        return send(res, 200, echo, { 'cache-control': 'private, max-age=300', 'set-cookie': 'session=abc; HttpOnly' })
      }
      if (path.startsWith('/v1/slow/')) {
        await new Promise((r) => setTimeout(r, 2_000))
        if (!res.destroyed) send(res, 200, echo, { 'cache-control': 'no-store' })
        return
      }
      if (path.startsWith('/v1/flaky/')) {
        // Healthy once, failing afterwards: lets a test age the cached answer and watch it stand in.
        if (hit === 1) return send(res, 200, echo, { 'cache-control': 'private, max-age=300' })
        return send(res, 503, { title: 'Service Unavailable', status: 503 }, { 'content-type': 'application/problem+json' })
      }
      return send(res, 200, echo, { 'cache-control': 'no-store' })
    }

    // Writes: the test names what the write makes stale, as the core would.
    const invalidate = req.headers['x-test-invalidate']
    return send(res, m === 'POST' ? 201 : 200, echo, typeof invalidate === 'string' ? { 'x-invalidate': invalidate } : {})
  })

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    privateJwk,
    publicJwk,
    sharedSecret,
    hits: (p) => counts.get(p) ?? 0,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
