import type { CacheIndex } from './middleware/cache/durable-object'
import type { RateLimiter } from './middleware/rate-limit/durable-object'

/**
 * Bindings and variables the worker receives (wrangler.jsonc `vars`, secrets, Durable Objects).
 * Only the worker's entry reads them: configuration through `loadConfig`, the stores through
 * their Durable Object implementations, both handed to `newApp`.
 */
export interface Env {
  ORIGIN_URL?: string
  EDGE_SHARED_SECRET?: string
  JWT_ISSUER?: string
  JWT_AUDIENCE?: string
  JWKS_URL?: string
  CORS_ORIGINS?: string
  ORIGIN_TIMEOUT_MS?: string
  MAX_BODY_BYTES?: string
  API_KEY_CACHE_SECONDS?: string
  SESSION_RECHECK_SECONDS?: string
  /** Benchmarks only: `default=1000000/minute,auth=...`. The contract's limits apply otherwise. */
  RATE_LIMIT_OVERRIDES?: string
  RATE_LIMITER: DurableObjectNamespace<RateLimiter>
  CACHE_INDEX: DurableObjectNamespace<CacheIndex>
}
