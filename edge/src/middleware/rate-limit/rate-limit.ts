import type { MiddlewareHandler } from 'hono'
import { problemException } from '../../problem'
import type { EdgeEnv } from '../../types'
import { classify, type RateLimitClass, type RateLimitRule } from './classes'
import type { RateLimitDecision } from './durable-object'

export interface RateLimitOptions {
  rules: Record<RateLimitClass, RateLimitRule>
}

function headersFor(decision: RateLimitDecision): Record<string, string> {
  return {
    'RateLimit-Limit': String(decision.limit),
    'RateLimit-Remaining': String(decision.remaining),
    'RateLimit-Reset': String(decision.resetSeconds),
  }
}

/**
 * Counts the request against its class (docs/contracts.md) in the Durable Object for its key:
 * the user when authenticated, else the client IP; webhooks always by source IP.
 */
export function rateLimit(options: RateLimitOptions): MiddlewareHandler<EdgeEnv> {
  for (const [cls, rule] of Object.entries(options.rules)) {
    if (!(rule.limit > 0) || !(rule.windowSeconds > 0)) throw new Error(`rateLimit: bad rule for ${cls}`)
  }
  return async function rateLimit(c, next) {
    const cls = classify(c.req.method, c.req.path)
    const rule = options.rules[cls]
    const principal = c.get('principal')
    const subject =
      cls !== 'webhook' && principal && principal.kind !== 'anonymous' ? `user:${principal.userId}` : `ip:${c.get('clientIp')}`
    const namespace = c.env.RATE_LIMITER
    const limiter = namespace.get(namespace.idFromName(`${cls}:${subject}`))
    let decision: RateLimitDecision
    try {
      decision = await limiter.hit(rule.limit, rule.windowSeconds)
    } catch (err) {
      // The core enforces the same classes, so an unreachable limiter fails open rather than failing the API.
      console.error(JSON.stringify({ msg: 'rate limiter unavailable', requestId: c.get('requestId'), error: String(err) }))
      return next()
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
