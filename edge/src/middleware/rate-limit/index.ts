export { rateLimit, type RateLimitOptions } from "./rate-limit";
export { RateLimiter, type RateLimitDecision } from "./durable-object";
export { classify, DEFAULT_RATE_LIMITS, type RateLimitClass, type RateLimitRule } from "./classes";
