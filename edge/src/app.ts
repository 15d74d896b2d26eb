import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { cors } from 'hono/cors'
import { HTTPException } from 'hono/http-exception'
import type { EdgeConfig } from './config'
import { apiKeyVerifier, auth } from './middleware/auth'
import { type CacheIndexStore, cacheLookup, edgeCache, SessionLeases } from './middleware/cache'
import { type RateLimitStore, rateLimit } from './middleware/rate-limit'
import { requestContext } from './middleware/request-context'
import { securityHeaders } from './middleware/security-headers'
import { forwardToOrigin } from './origin/forward'
import { newOriginClient, OriginTimeoutError, OriginUnavailableError } from './origin/origin'
import { problemException, problemResponse } from './problem'
import { REVOCATIONS_PATH, revocations } from './revocation'
import type { EdgeEnv } from './types'

/** The stores the middleware keeps its state in (index.ts passes the Durable Object ones). */
export interface AppDependencies {
  rateLimits: RateLimitStore
  cacheIndex: CacheIndexStore
  /** Epoch ms for cache freshness, session leases and the deferred rate-limit windows; tests move it. */
  clock?: () => number
}

/**
 * The edge worker. Order matters:
 * request id -> security headers -> CORS -> body limit -> [revocations from the core]
 * -> [webhooks: rate limit -> origin] -> auth -> cache lookup (started, not awaited)
 * -> rate limit -> cache -> origin.
 */
export function newApp(config: EdgeConfig, deps: AppDependencies) {
  const origin = newOriginClient(config)
  const forward = forwardToOrigin(origin)
  const limit = rateLimit({ rules: config.rateLimits, store: deps.rateLimits, clock: deps.clock })
  const leases = new SessionLeases({ index: deps.cacheIndex, leaseSeconds: config.sessionRecheckSeconds, clock: deps.clock })

  const app = new Hono<EdgeEnv>()

  app.use(requestContext())
  app.use(securityHeaders())
  app.use(
    cors({
      origin: config.corsOrigins,
      allowHeaders: ['Authorization', 'Content-Type', 'X-Request-Id', 'Idempotency-Key'],
      allowMethods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      exposeHeaders: ['X-Request-Id', 'X-Cache', 'Retry-After', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'],
      credentials: true,
      maxAge: 600,
    }),
  )
  app.use(
    bodyLimit({
      maxSize: config.maxBodyBytes,
      onError: () => {
        throw problemException(413, 'content-too-large', 'Content Too Large', `Request bodies are limited to ${config.maxBodyBytes} bytes.`)
      },
    }),
  )

  app.post(REVOCATIONS_PATH, revocations({ sharedSecret: config.sharedSecret, index: deps.cacheIndex, leases }))

  // Webhooks (Stripe, YouTube) sign their raw body themselves: no JWT, no cache, body untouched.
  app.all('/webhooks/*', limit, forward)

  app.use(
    auth({
      jwksUrl: config.jwksUrl,
      issuer: config.jwtIssuer,
      audience: config.jwtAudience,
      verifyApiKey: apiKeyVerifier({ origin, cacheSeconds: config.apiKeyCacheSeconds }),
    }),
  )
  // The cache lookup (and its session check) overlaps the rate limiter; nothing is served before both.
  app.use(cacheLookup({ leases }))
  app.use(limit)
  app.use(edgeCache({ index: deps.cacheIndex, clock: deps.clock }))
  app.all('*', forward)

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse()
    if (err instanceof OriginTimeoutError) return problemResponse(504, 'origin-timeout', 'Gateway Timeout', err.message)
    if (err instanceof OriginUnavailableError) {
      return problemResponse(502, 'origin-unavailable', 'Bad Gateway', 'The API is unreachable; try again shortly.')
    }
    console.error(JSON.stringify({ msg: 'edge error', requestId: c.get('requestId'), error: String(err), stack: err.stack }))
    return problemResponse(500, 'edge-error', 'Internal Server Error', 'The edge failed to handle the request.')
  })

  return app
}
