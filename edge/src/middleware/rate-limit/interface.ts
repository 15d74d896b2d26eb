import type { RateLimitRule } from '@ytempire/contract'

export interface RateLimitDecision {
  allowed: boolean
  limit: number
  remaining: number
  /** Seconds until the window resets. */
  resetSeconds: number
}

/** Where requests are counted: one fixed window per key. */
export interface RateLimitStore {
  /** Counts one request against `key` and says whether it is within `rule`. */
  hit(key: string, rule: RateLimitRule): Promise<RateLimitDecision>
}
