import type { Redis } from 'ioredis'
import type { Config, RateLimitClass } from '../config'
import type { Metrics } from '../infra/metrics'
import { Problem } from './problem'

export interface RateDecision { allowed: boolean; limit: number; remaining: number; resetS: number }

export interface RateLimiter {
  /** Counts one request of `subject` (user id or IP) against `cls`; atomic and shared by every core instance. */
  hit(cls: RateLimitClass, subject: string): Promise<RateDecision>
  /** Throws a 429 Problem when refused; returns headers to put on the response either way. */
  enforce(cls: RateLimitClass, subject: string): Promise<Record<string, string>>
}

// Fixed window per (class, subject): INCR and set the expiry on the first hit, in one script so
// concurrent instances can never both see a fresh window.
const SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl}`

export function createRateLimiter(redis: Redis, config: Pick<Config, 'rateLimits' | 'redisPrefix'>, metrics: Metrics): RateLimiter {
  const sha = new Bun.CryptoHasher('sha1').update(SCRIPT).digest('hex')
  const run = async (key: string, windowMs: number): Promise<[number, number]> => {
    try {
      return (await redis.evalsha(sha, 1, key, windowMs)) as [number, number]
    } catch (e) {
      if (!String(e).includes('NOSCRIPT')) throw e
      return (await redis.eval(SCRIPT, 1, key, windowMs)) as [number, number]
    }
  }
  const limiter: RateLimiter = {
    async hit(cls, subject) {
      const { limit, windowS } = config.rateLimits[cls]
      const [count, ttlMs] = await run(`${config.redisPrefix}rl:${cls}:${subject}`, windowS * 1000)
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetS: Math.max(1, Math.ceil(ttlMs / 1000)) }
    },
    async enforce(cls, subject) {
      const d = await limiter.hit(cls, subject)
      const headers: Record<string, string> = {
        'RateLimit-Limit': String(d.limit),
        'RateLimit-Remaining': String(d.remaining),
        'RateLimit-Reset': String(d.resetS),
        'RateLimit-Policy': `${d.limit};w=${config.rateLimits[cls].windowS}`,
      }
      if (!d.allowed) {
        metrics.rateLimited.inc({ class: cls })
        throw new Problem(429, 'Too Many Requests', `Rate limit "${cls}" exceeded: ${d.limit} requests per ${config.rateLimits[cls].windowS} s`, {
          type: 'rate-limited', headers: { ...headers, 'Retry-After': String(d.resetS) },
        })
      }
      return headers
    },
  }
  return limiter
}
