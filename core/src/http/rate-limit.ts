import type { RateLimitClass } from '@ytempire/contract'
import type { RedisConnection } from '@ytempire/contract/redis'
import type { Config } from '../config'
import type { Metrics } from '../infra/metrics'
import { redisDown } from '../infra/redis'
import { Problem, serviceUnavailable } from './problem'

export interface RateDecision {
  allowed: boolean
  limit: number
  remaining: number
  resetS: number
}

export interface RateLimiter {
  /**
   * Counts one request of `subject` (user id or IP) against `cls`; atomic and shared by every core instance.
   * With `alsoSlide`, the same round trip slides that key's expiry (a session's idle timer) and reports whether it still exists.
   */
  hit(cls: RateLimitClass, subject: string, alsoSlide?: { key: string; ttlS: number }): Promise<RateDecision & { slid: boolean }>
  /**
   * Counts `n` more requests at once (a batch of n videos is n video_generation requests): all of them
   * when they fit in what is left of the window, none when not (a 429 Problem saying what is left).
   */
  take(cls: RateLimitClass, subject: string, n: number, why: string): Promise<void>
  /** Throws a 429 Problem when refused; returns headers to put on the response either way. */
  enforce(
    cls: RateLimitClass,
    subject: string,
    alsoSlide?: { key: string; ttlS: number },
  ): Promise<{ headers: Record<string, string>; slid: boolean }>
  /**
   * Counts `item` once per window of `cls` for `subject`: its later requests in the window are free
   * (a video played with many HTTP Range requests is one download). Throws a 429 Problem when refused.
   */
  enforceOnce(cls: RateLimitClass, subject: string, item: string): Promise<{ headers: Record<string, string> }>
}

// Fixed window per (class, subject): INCRBY and set the expiry on the window's first hits, in one
// script so concurrent instances can never both see a fresh window.
// KEYS[2], when given, is slid to ARGV[2] seconds if it exists (one round trip per authenticated request).
// ARGV[3] is how many requests this call counts (concurrent hits on one key are coalesced).
const SCRIPT = `
local n = tonumber(ARGV[3])
local c = redis.call('INCRBY', KEYS[1], n)
if c == n then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
local slid = 0
if KEYS[2] then slid = redis.call('EXPIRE', KEYS[2], ARGV[2]) end
return {c, ttl, slid}`

// All or nothing: KEYS[1] grows by ARGV[2] only when it stays within ARGV[3]. Returns {count, ttl, taken}.
const TAKE_SCRIPT = `
local n = tonumber(ARGV[2])
local c = tonumber(redis.call('GET', KEYS[1]) or '0')
local ttl = redis.call('PTTL', KEYS[1])
if c + n > tonumber(ARGV[3]) then return {c, ttl, 0} end
c = redis.call('INCRBY', KEYS[1], n)
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {c, ttl, 1}`

// KEYS[1] is the window's counter, KEYS[2] the set of items it has counted; both expire with the window.
// ARGV: window ms, item, limit. Answers {count, ttl, counted now?}. A refused item is not remembered.
const ONCE_SCRIPT = `
if redis.call('SISMEMBER', KEYS[2], ARGV[2]) == 1 then
  return {tonumber(redis.call('GET', KEYS[1]) or '0'), redis.call('PTTL', KEYS[1]), 0}
end
local c = redis.call('INCR', KEYS[1])
if c == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
if c <= tonumber(ARGV[3]) then
  redis.call('SADD', KEYS[2], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ttl)
end
return {c, ttl, 1}`

interface Batch {
  keys: string[]
  windowMs: number
  slideS: number
  waiters: { resolve(r: [number, number, number]): void; reject(e: unknown): void }[]
}

export function createRateLimiter(
  redis: RedisConnection,
  config: Pick<Config, 'rateLimits' | 'redisPrefix'>,
  metrics: Metrics,
): RateLimiter {
  const sha = new Bun.CryptoHasher('sha1').update(SCRIPT).digest('hex')
  const onceSha = new Bun.CryptoHasher('sha1').update(ONCE_SCRIPT).digest('hex')
  const evaluate = async (script: string, hash: string, keys: string[], argv: (number | string)[]): Promise<[number, number, number]> => {
    try {
      return (await redis.evalsha(hash, keys.length, ...keys, ...argv)) as [number, number, number]
    } catch (e) {
      if (!String(e).includes('NOSCRIPT')) throw e
      return (await redis.eval(script, keys.length, ...keys, ...argv)) as [number, number, number]
    }
  }
  const run = (keys: string[], argv: number[]) => evaluate(SCRIPT, sha, keys, argv)

  // Hits on the same key within one turn of the event loop share one script call (INCRBY n); each
  // request still gets its own exact count (the i-th of the batch sees total - n + i).
  let pending = new Map<string, Batch>()
  const flush = () => {
    const batches = pending
    pending = new Map()
    for (const b of batches.values()) {
      const n = b.waiters.length
      run(b.keys, [b.windowMs, b.slideS, n]).then(
        ([total, ttl, slid]) => {
          for (const [i, w] of b.waiters.entries()) w.resolve([total - n + i + 1, ttl, slid])
        },
        (err) => {
          for (const w of b.waiters) w.reject(err)
        },
      )
    }
  }
  const count = (rlKey: string, windowMs: number, slide?: { key: string; ttlS: number }) =>
    new Promise<[number, number, number]>((resolve, reject) => {
      const id = slide ? `${rlKey}\u0000${slide.key}` : rlKey
      let batch = pending.get(id)
      if (!batch) {
        if (pending.size === 0) setImmediate(flush)
        batch = { keys: slide ? [rlKey, slide.key] : [rlKey], windowMs, slideS: slide?.ttlS ?? 0, waiters: [] }
        pending.set(id, batch)
      }
      batch.waiters.push({ resolve, reject })
    })

  /** RateLimit-* headers for a decision, or the 429 Problem that refuses it. */
  function decide(cls: RateLimitClass, d: RateDecision): Record<string, string> {
    const headers: Record<string, string> = {
      'RateLimit-Limit': String(d.limit),
      'RateLimit-Remaining': String(d.remaining),
      'RateLimit-Reset': String(d.resetS),
      'RateLimit-Policy': `${d.limit};w=${config.rateLimits[cls].windowSeconds}`,
    }
    if (!d.allowed) {
      metrics.rateLimited.inc({ class: cls })
      throw new Problem(
        429,
        'Too Many Requests',
        `Rate limit "${cls}" exceeded: ${d.limit} requests per ${config.rateLimits[cls].windowSeconds} s`,
        {
          type: 'rate-limited',
          headers: { ...headers, 'Retry-After': String(d.resetS) },
        },
      )
    }
    return headers
  }
  const decision = (limit: number, n: number, ttlMs: number): RateDecision => ({
    allowed: n <= limit,
    limit,
    remaining: Math.max(0, limit - n),
    resetS: Math.max(1, Math.ceil(ttlMs / 1000)),
  })

  const limiter: RateLimiter = {
    async hit(cls, subject, alsoSlide) {
      // Every authenticated or limited request passes here: with Redis gone, say so at once.
      if (redisDown(redis)) throw serviceUnavailable('Redis')
      const { limit, windowSeconds } = config.rateLimits[cls]
      const [n, ttlMs, slid] = await count(`${config.redisPrefix}rl:${cls}:${subject}`, windowSeconds * 1000, alsoSlide)
      return { ...decision(limit, n, ttlMs), slid: slid === 1 }
    },
    async take(cls, subject, n, why) {
      if (n <= 0) return
      const { limit, windowSeconds } = config.rateLimits[cls]
      const [used, ttlMs, taken] = (await redis.eval(
        TAKE_SCRIPT,
        1,
        `${config.redisPrefix}rl:${cls}:${subject}`,
        windowSeconds * 1000,
        n,
        limit,
      )) as [number, number, number]
      if (taken === 1) return
      metrics.rateLimited.inc({ class: cls })
      const resetS = Math.max(1, Math.ceil((ttlMs > 0 ? ttlMs : windowSeconds * 1000) / 1000))
      const left = Math.max(0, limit - used)
      throw new Problem(
        429,
        'Too Many Requests',
        `Rate limit "${cls}" exceeded: ${why}, and ${left} are left of ${limit} per ${windowSeconds} s`,
        {
          type: 'rate-limited',
          headers: {
            'RateLimit-Limit': String(limit),
            'RateLimit-Remaining': String(left),
            'RateLimit-Reset': String(resetS),
            'RateLimit-Policy': `${limit};w=${windowSeconds}`,
            'Retry-After': String(resetS),
          },
        },
      )
    },
    async enforce(cls, subject, alsoSlide) {
      const d = await limiter.hit(cls, subject, alsoSlide)
      return { headers: decide(cls, d), slid: d.slid }
    },
    async enforceOnce(cls, subject, item) {
      const { limit, windowSeconds } = config.rateLimits[cls]
      const key = `${config.redisPrefix}rl:${cls}:${subject}`
      const [n, ttlMs, counted] = await evaluate(ONCE_SCRIPT, onceSha, [key, `${key}:items`], [windowSeconds * 1000, item, limit])
      // An item counted earlier in the window stays allowed, even once later ones have used the window up.
      const d = decision(limit, n, ttlMs)
      return { headers: decide(cls, counted ? d : { ...d, allowed: true }) }
    },
  }
  return limiter
}
