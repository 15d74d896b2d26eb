import { createHmac } from 'node:crypto'
import { ValueErrorType } from '@sinclair/typebox/errors'
import { SECURITY_HEADERS } from '@ytempire/contract'
import { Elysia } from 'elysia'
import { timingSafeEqualHex } from '../crypto/hash'
import type { Deps } from '../deps'
import { isRedisOutage } from '../infra/redis'
import { assertBodyDepth, assertJsonObjectBody, assertStorable, MAX_ECHOED_FIELD } from './input'
import { type FieldError, Problem, problemResponse, serviceUnavailable, unauthorized } from './problem'
import { SWAGGER_CSP } from './security-headers'
import { requestTracing } from './tracing'

export interface RequestContext {
  requestId: string
  readonly clientIp: string
  startedAt: number
  edgeUser?: string
}

const contexts = new WeakMap<Request, RequestContext>()
/** The per-request context the HTTP layer computed before routing. */
export const requestContext = (request: Request): RequestContext =>
  contexts.get(request) ?? { requestId: 'unknown', clientIp: 'unknown', startedAt: performance.now() }

/** Path and query of an absolute URL, without the cost of a URL object on every request. */
export function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2)
  return start === -1 ? '/' : url.slice(start)
}

const REQUEST_ID = /^[A-Za-z0-9._-]{8,128}$/
const EDGE_SKEW_S = 60
const UPLOADS_PATH = '/v1/uploads'
const EDGE_HEADERS = ['x-edge-signature', 'x-edge-timestamp', 'x-edge-client-ip', 'x-edge-user']
const EXPOSED = 'X-Request-Id, X-Cache, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After'
/** How many field errors, and how much of each message, a validation answer echoes back. */
const MAX_FIELD_ERRORS = 20
const MAX_MESSAGE = 200

/**
 * The outermost layer: request id, security headers, CORS, body-size cap, trust of the edge's
 * signed headers, errors as problem+json, metrics and access logs.
 */
export function httpLayer(deps: Deps) {
  const { config, log, metrics } = deps
  const allowedOrigins = new Set(config.corsOrigins)
  const tracing = config.tracing.endpoint ? requestTracing() : undefined
  const layer = new Elysia({ name: 'http-layer', seed: deps.instanceId })
  if (tracing) layer.wrap((handle, request) => tracing.wrap(handle as (...args: never[]) => unknown, request))

  return (
    layer
      .onRequest(({ request, server, set }) => {
        const startedAt = performance.now()
        const h = request.headers
        const given = h.get('x-request-id')
        const requestId = given && REQUEST_ID.test(given) ? given : crypto.randomUUID()
        Object.assign(set.headers, SECURITY_HEADERS)
        set.headers['x-request-id'] = requestId
        const pathWithQuery = pathOf(request.url)
        if (pathWithQuery.startsWith('/swagger') && !pathWithQuery.startsWith('/swagger/json'))
          set.headers['Content-Security-Policy'] = SWAGGER_CSP

        // The client address is looked up only when something asks for it (anonymous limits, audit, logs).
        let clientIp: string | undefined
        const ctx: RequestContext = {
          requestId,
          startedAt,
          get clientIp() {
            if (clientIp === undefined) {
              clientIp = server?.requestIP(request)?.address ?? 'unknown'
              if (config.trustProxy) clientIp = h.get('x-forwarded-for')?.split(',')[0]?.trim() || clientIp
            }
            return clientIp
          },
        }
        contexts.set(request, ctx)

        const origin = h.get('origin')
        if (origin && allowedOrigins.has(origin)) {
          set.headers['access-control-allow-origin'] = origin
          set.headers['access-control-allow-credentials'] = 'true'
          set.headers['access-control-expose-headers'] = EXPOSED
          set.headers.vary = 'Origin'
        }
        if (request.method === 'OPTIONS' && h.get('access-control-request-method')) {
          if (!origin || !allowedOrigins.has(origin))
            return problemResponse(new Problem(403, 'Forbidden', 'Origin not allowed by CORS policy'), pathWithQuery.split('?')[0], {
              ...SECURITY_HEADERS,
              'x-request-id': requestId,
            })
          return new Response(null, {
            status: 204,
            headers: {
              ...(set.headers as Record<string, string>),
              'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE, OPTIONS',
              'access-control-allow-headers': 'Authorization, Content-Type, Idempotency-Key, X-Request-Id, X-CSRF-Token',
              'access-control-max-age': '600',
            },
          })
        }

        // Media uploads have their own, larger cap; every other body is small, and must say its length.
        const cap = pathWithQuery.startsWith(UPLOADS_PATH) ? config.maxUploadBytes : config.maxBodyBytes
        const length = Number(h.get('content-length') ?? 0)
        if (length > cap) throw new Problem(413, 'Content Too Large', `Request body is limited to ${cap} bytes`)
        if (cap === config.maxBodyBytes && !h.has('content-length') && h.get('transfer-encoding')?.includes('chunked')) {
          throw new Problem(411, 'Length Required', 'Send Content-Length with the request body')
        }

        if (EDGE_HEADERS.some((name) => h.has(name))) {
          const verified = verifyEdge(config.edgeSharedSecret, request.method, pathWithQuery, h, requestId)
          if (!verified) throw unauthorized('Edge headers did not verify', 'forged-edge-headers')
          clientIp = verified.clientIp
          ctx.edgeUser = verified.user || undefined
        }
      })
      // Before any validator walks the body (it recurses per level), and before authentication, like a parse error.
      .onTransform(function bodyShape({ body, request }) {
        assertJsonObjectBody(body, request.headers.get('content-type'))
        assertBodyDepth(body)
      })
      // After authentication and schema validation, before any handler hands a string to PostgreSQL.
      .onBeforeHandle(function storableInput({ body, query, params }) {
        assertStorable({ body, query, params })
      })
      .onError(({ code, error, request, set }) => {
        const path = safePath(request)
        const respond = (p: Problem) => {
          set.status = p.status
          return problemResponse(p, path)
        }
        if (error instanceof Problem) return respond(error)
        if (isRedisOutage(error)) return respond(serviceUnavailable('Redis'))
        switch (code) {
          case 'VALIDATION': {
            // One entry per field and message, a bounded number of them, each cut short: the answer never
            // grows with what the caller sent.
            const errors = new Map<string, FieldError>()
            // Elysia converts a numeric query parameter by itself, and reports one out of range without its name.
            const param = error.type === 'property' ? queryParamHolding(request.url, error.value) : undefined
            for (const e of (error.all ?? []).flatMap(unionVariant)) {
              if (errors.size === MAX_FIELD_ERRORS) break
              const field =
                ('path' in e && e.path ? String(e.path) : '').replace(/^\//, '').replace(/\//g, '.') || (param ?? error.type ?? 'body')
              const message = String(('summary' in e && e.summary) || ('message' in e && e.message) || 'invalid')
              const entry = { field: field.slice(0, MAX_ECHOED_FIELD), message: message.slice(0, MAX_MESSAGE) }
              errors.set(`${entry.field}\n${entry.message}`, entry)
            }
            const fields = [...new Set([...errors.values()].map((e) => e.field))]
            const where = error.type === 'body' ? 'request body' : param ? 'query' : error.type
            return respond(
              new Problem(422, 'Unprocessable Content', `Invalid ${where}: ${fields.join(', ')}`, {
                type: 'validation-error',
                errors: [...errors.values()],
              }),
            )
          }
          case 'PARSE':
            return respond(
              new Problem(400, 'Bad Request', 'The request body could not be parsed; send JSON with Content-Type: application/json', {
                type: 'malformed-body',
              }),
            )
          case 'NOT_FOUND':
            return respond(new Problem(404, 'Not Found', `No route for ${request.method} ${path}`))
          case 'INVALID_COOKIE_SIGNATURE':
            return respond(new Problem(400, 'Bad Request', 'Invalid cookie signature'))
        }
        // A percent-escape in the path or query that does not decode to UTF-8.
        if (error instanceof URIError)
          return respond(new Problem(400, 'Bad Request', 'The URL is not valid percent-encoded UTF-8', { type: 'malformed-url' }))
        // Bun refuses oversized bodies while reading them.
        if (String((error as Error)?.message ?? '').includes('body') && String(error).toLowerCase().includes('too large')) {
          return respond(new Problem(413, 'Content Too Large', `Request body is limited to ${config.maxBodyBytes} bytes`))
        }
        log.error({ err: error, requestId: requestContext(request).requestId, path }, 'unhandled error')
        return respond(
          new Problem(500, 'Internal Server Error', 'Something went wrong on our side; the request id identifies it in our logs'),
        )
      })
      .onAfterResponse(({ request, route, set }) => {
        const ctx = contexts.get(request)
        if (!ctx) return
        const status = typeof set.status === 'number' ? set.status : 200
        const seconds = (performance.now() - ctx.startedAt) / 1000
        metrics.httpDuration.observe({ method: request.method, route: route || 'unmatched', status: String(status) }, seconds)
        tracing?.end(request, route || 'unmatched', status, ctx.requestId)
        if (log.isLevelEnabled('info'))
          log.info(
            { requestId: ctx.requestId, method: request.method, route, status, ms: Math.round(seconds * 1e4) / 10, ip: ctx.clientIp },
            'request',
          )
      })
      .as('global')
  )
}

/**
 * A value that fails a union (e.g. a script given as scenes or as text) is reported by the variant whose
 * shape it has, so the field named is the one inside it (script.scenes), not the union as a whole.
 */
function unionVariant<E>(e: E): E[] {
  const union = e as { type?: number; path?: string; errors?: Iterable<{ path: string }>[] }
  if (union.type !== ValueErrorType.Union || !Array.isArray(union.errors)) return [e]
  // Each variant's errors are drawn lazily and only as many as an answer shows.
  const variants = union.errors.map((it) => {
    const taken: { path: string }[] = []
    for (const x of it) if (taken.push(x) >= MAX_FIELD_ERRORS) break
    return taken
  })
  const inside = variants.filter((v) => v.length > 0 && v.every((x) => x.path.length > (union.path ?? '').length))
  const best = inside.sort((a, b) => a.length - b.length)[0]
  return best ? (best as E[]) : [e]
}

/** The name of the query parameter whose value reads as `value`. */
function queryParamHolding(url: string, value: unknown): string | undefined {
  try {
    for (const [name, raw] of new URL(url).searchParams) if (raw === String(value) || Number(raw) === value) return name
  } catch {}
  return undefined
}

function safePath(request: Request): string {
  try {
    return new URL(request.url).pathname
  } catch {
    return '/'
  }
}

function verifyEdge(secret: string | undefined, method: string, pathWithQuery: string, h: Headers, requestId: string) {
  const ts = h.get('x-edge-timestamp') ?? ''
  const sig = h.get('x-edge-signature') ?? ''
  const clientIp = h.get('x-edge-client-ip') ?? ''
  const user = h.get('x-edge-user') ?? ''
  if (!secret || !ts || !sig) return undefined
  if (Math.abs(Date.now() / 1000 - Number(ts)) > EDGE_SKEW_S) return undefined
  const rid = h.get('x-request-id') ?? requestId
  const expected = createHmac('sha256', secret).update([ts, method, pathWithQuery, clientIp, user, rid].join('\n')).digest('hex')
  return timingSafeEqualHex(expected, sig.toLowerCase()) ? { clientIp, user } : undefined
}
