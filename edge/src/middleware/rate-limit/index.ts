export { classify, DEFAULT_RATE_LIMITS, type RateLimitClass, type RateLimitRule } from './classes'
export { type RateLimitDecision, RateLimiter } from './durable-object'
export { type RateLimitOptions, rateLimit } from './rate-limit'
