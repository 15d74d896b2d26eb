export { DeferredCounter } from './deferred'
export { durableObjectRateLimits, RateLimiter } from './durable-object'
export type { RateLimitDecision, RateLimitStore } from './interface'
export { EXACT_CLASSES, type RateLimitOptions, rateLimit } from './rate-limit'
