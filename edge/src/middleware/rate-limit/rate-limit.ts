import { type RateLimitClass, type RateLimitRule, rateLimitOf } from '@ytempire/contract'
import type { MiddlewareHandler } from 'hono'
import { inBackground } from '../../background'
import { problemException } from '../../problem'
import type { EdgeEnv } from '../../types'
import { DeferredCounter } from './deferred'
import type { RateLimitDecision, RateLimitStore } from './interface'

export interface RateLimitOptions {
  rules: Record<RateLimitClass, RateLimitRule>
  store: RateLimitStore
  /** Epoch milliseconds, for the local windows of the deferred count; tests move it. */
  clock?: () => number
}

/**
 * Counted exactly, before the request goes on: writes and costly reads that reach the core
 * anyway, so the store's round trip is small beside what follows. Everything else (the
 * `default` class: the reads a cache hit answers) is counted without waiting (DeferredCounter).
 */
export const EXACT_CLASSES: ReadonlySet<RateLimitClass> = new Set(['auth', 'video_generation', 'expensive_operations', 'webhook'])

function headersFor(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
  }
}

/**
 * Counts the request against its class (@ytempire/contract's table) for its key: the user when
 * authenticated, else the client IP; webhooks always by source IP.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<EdgeEnv> {
  for (const [cls, rule] of Object.entries(options.rules)) {
    if (!(rule.limit > 0) || !(rule.windowSeconds > 0)) throw new Error(`rateLimit: bad rule for ${cls}`)
  }
  const deferred = new DeferredCounter(options.store, options.clock)

  return async function rateLimit(c, next) {
    const route = rateLimitOf(c.req.method, c.req.path)
    const counted = route.subject
    // A path counted once per window (a video's Range requests) is the core's to count: here every request is `default`.
    const cls = route.perPath ? 'default' : route.cls
    // Refreshes are counted per token family, which only the core can read from the body: counting
    // them here per IP would put every user behind one NAT in one bucket.
    if (counted === 'token-family') return next()
    const rule = options.rules[cls]
    const principal = c.get('principal')
    const subject =
      cls !== 'webhook' && principal && principal.kind !== 'anonymous' ? `user:${principal.userId}` : `ip:${c.get('clientIp')}`
    const key = `${cls}:${subject}`

    let decision: RateLimitDecision
    if (EXACT_CLASSES.has(cls)) {
      try {
        decision = await options.store.hit(key, rule)
      } catch (err) {
        // The core enforces the same classes, so an unreachable limiter fails open rather than failing the API.
        console.error(JSON.stringify({ msg: 'rate limiter unavailable', requestId: c.get('requestId'), error: String(err) }))
        return next()
      }
    } else {
      decision = deferred.hit(key, rule, (work) => inBackground(c, work))
    }

    if (!decision.allowed) {
      throw problemException(
        429,
        'rate-limited',
        'Too Many Requests',
        `The ${cls} limit of ${rule.limit} requests per ${rule.windowSeconds} s is used up; retry in ${decision.resetSeconds} s.`,
        { 'Retry-After': String(decision.resetSeconds), ...headersFor(decision) },
      )
    }
    await next()
    for (const [name, value] of Object.entries(headersFor(decision))) c.res.headers.set(name, value)
  }
}
