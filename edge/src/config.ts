import { parseRateLimitOverrides, RATE_LIMITS, type RateLimitClass, type RateLimitRule } from '@ytempire/contract'
import type { Env } from './env'

export interface EdgeConfig {
  originUrl: URL
  sharedSecret: string
  jwtIssuer: string
  jwtAudience: string
  jwksUrl: URL
  corsOrigins: string[]
  originTimeoutMs: number
  maxBodyBytes: number
  apiKeyCacheSeconds: number
  /** How long a session checked as not revoked is answered from the cache before it is checked again. */
  sessionRecheckSeconds: number
  rateLimits: Record<RateLimitClass, RateLimitRule>
}

export class ConfigError extends Error {
  override name = 'ConfigError'
}

function url(name: string, value: string): URL {
  try {
    const parsed = new URL(value)
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new Error('not http(s)')
    return parsed
  } catch {
    throw new ConfigError(`${name} must be an http(s) URL, got ${JSON.stringify(value)}`)
  }
}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(`${name} must be a positive integer, got ${JSON.stringify(value)}`)
  return n
}

function rateLimits(overrides: string): Record<RateLimitClass, RateLimitRule> {
  try {
    return { ...RATE_LIMITS, ...parseRateLimitOverrides(overrides) }
  } catch (err) {
    throw new ConfigError(`RATE_LIMIT_OVERRIDES: ${(err as Error).message}`)
  }
}

/** Reads and validates the worker's configuration once; throws ConfigError when it is unusable. */
export function loadConfig(env: Omit<Env, 'RATE_LIMITER' | 'CACHE_INDEX'>): EdgeConfig {
  const originUrl = url('ORIGIN_URL', env.ORIGIN_URL || 'http://127.0.0.1:3000')
  const sharedSecret = env.EDGE_SHARED_SECRET ?? ''
  // The core trusts X-Edge-* headers only with this secret; a short one is guessable.
  if (sharedSecret.length < 16) throw new ConfigError('EDGE_SHARED_SECRET must be set (at least 16 characters)')
  return {
    originUrl,
    sharedSecret,
    jwtIssuer: env.JWT_ISSUER || 'ytempire',
    jwtAudience: env.JWT_AUDIENCE || 'ytempire-api',
    jwksUrl: url('JWKS_URL', env.JWKS_URL || new URL('/.well-known/jwks.json', originUrl).href),
    corsOrigins: (env.CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    originTimeoutMs: positiveInt('ORIGIN_TIMEOUT_MS', env.ORIGIN_TIMEOUT_MS, 10_000),
    maxBodyBytes: positiveInt('MAX_BODY_BYTES', env.MAX_BODY_BYTES, 1024 * 1024),
    apiKeyCacheSeconds: positiveInt('API_KEY_CACHE_SECONDS', env.API_KEY_CACHE_SECONDS, 60),
    sessionRecheckSeconds: positiveInt('SESSION_RECHECK_SECONDS', env.SESSION_RECHECK_SECONDS, 30),
    rateLimits: rateLimits(env.RATE_LIMIT_OVERRIDES ?? ''),
  }
}
