import type { Redis } from 'ioredis'
import type { Config, RateLimitClass } from '../config'
import type { Metrics } from '../infra/metrics'
import { Problem } from './problem'

export interface RateDecision { allowed: boolean; limit: number; remaining: number; resetS: number }

export interface RateLimiter {
  /**
   * Counts one request of `subject` (user id or IP) against `cls`; atomic and shared by every core instance.
   * With `alsoSlide`, the same round trip slides that key's expiry (a session's idle timer) and reports whether it still exists.
   */
  hit(cls: RateLimitClass, subject: string, alsoSlide?: { key: string; ttlS: number }): Promise<RateDecision & { slid: boolean }>
  /** Throws a 429 Problem when refused; returns headers to put on the response either way. */
  enforce(cls: RateLimitClass, subject: string, alsoSlide?: { key: string; ttlS: number }): Promise<{ headers: Record<string, string>; slid: boolean }>
}

// Fixed window per (class, subject): INCR and set the expiry on the first hit, in one script so
// concurrent instances can never both see a fresh window.
// KEYS[2], when given, is slid to ARGV[2] seconds if it exists (one round trip per authenticated request).
const SCRIPT = `
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local slid = 0
if KEYS[2] then slid = redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return {c, ttl, slid}`

export function createRateLimiter(redis: Redis, config: Pick<Config, 'rateLimits' | 'redisPrefix'>, metrics: Metrics): RateLimiter {
  const sha = new Bun.CryptoHasher('sha1').update(SCRIPT).digest('hex')
  const run = async (args: (string | number)[]): Promise<[number, number, number]> => {
    const numKeys = args.length / 2
    try {
      return (await redis.evalsha(sha, numKeys, ...args)) as [number, number, number]
    } catch (e) {
      if (!String(e).includes('NOSCRIPT')) throw e
      return (await redis.eval(SCRIPT, numKeys, ...args)) as [number, number, number]
    }
  }
  const limiter: RateLimiter = {
    async hit(cls, subject, alsoSlide) {
      const { limit, windowS } = config.rateLimits[cls]
      const rlKey = `${config.redisPrefix}rl:${cls}:${subject}`
      const args = alsoSlide ? [rlKey, alsoSlide.key, windowS * 1000, alsoSlide.ttlS] : [rlKey, windowS * 1000]
      const [count, ttlMs, slid] = await run(args)
      return { allowed: count <= limit, limit, remaining: Math.max(0, limit - count), resetS: Math.max(1, Math.ceil(ttlMs / 1000)), slid: slid === 1 }
    },
    async enforce(cls, subject, alsoSlide) {
      const d = await limiter.hit(cls, subject, alsoSlide)
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
      return { headers, slid: d.slid }
    },
  }
  return limiter
}
