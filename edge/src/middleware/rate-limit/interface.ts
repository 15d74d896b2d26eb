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
  /** Counts one request against `key` if it is within `rule`, and says whether it was. */
  hit(key: string, rule: RateLimitRule): Promise<RateLimitDecision>
  /** Adds `served` requests already answered; `allowed` says whether the window is still within `rule`. */
  record(key: string, rule: RateLimitRule, served: number): Promise<RateLimitDecision>
}
