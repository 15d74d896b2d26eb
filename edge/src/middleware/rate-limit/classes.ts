/** Rate-limit classes of docs/contracts.md; the core applies the same table. */
export type RateLimitClass = 'auth' | 'video_generation' | 'expensive_operations' | 'webhook' | 'default'

export interface RateLimitRule {
  limit: number
  windowSeconds: number
}

const MINUTE = 60
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export const DEFAULT_RATE_LIMITS: Record<RateLimitClass, RateLimitRule> = {
  default: { limit: 100, windowSeconds: MINUTE },
  auth: { limit: 5, windowSeconds: MINUTE },
  video_generation: { limit: 10, windowSeconds: HOUR },
  expensive_operations: { limit: 100, windowSeconds: DAY },
  webhook: { limit: 600, windowSeconds: MINUTE },
}

const SEGMENT = '[^/]+'
const ROUTES: Array<{ cls: RateLimitClass; method?: string; pattern: RegExp }> = [
  { cls: 'webhook', pattern: /^\/v1\/webhooks(\/|$)/ },
  { cls: 'auth', pattern: /^\/v1\/auth(\/|$)/ },
  { cls: 'video_generation', method: 'POST', pattern: new RegExp(`^/v1/channels/${SEGMENT}/videos(/batch)?/?$`) },
  { cls: 'expensive_operations', method: 'GET', pattern: /^\/v1\/me\/export\/?$/ },
  { cls: 'expensive_operations', method: 'GET', pattern: new RegExp(`^/v1/videos/${SEGMENT}/file/?$`) },
  { cls: 'expensive_operations', method: 'POST', pattern: new RegExp(`^/v1/analytics/(${SEGMENT}/)*refresh/?$`) },
]

/** Which class a request falls in (first matching row of the contract's table). */
export function classify(method: string, path: string): RateLimitClass {
  // HEAD is a GET without the body: it costs the origin the same.
  const m = method === 'HEAD' ? 'GET' : method
  for (const route of ROUTES) {
    if (route.method && route.method !== m) continue
    if (route.pattern.test(path)) return route.cls
  }
  return 'default'
}

const UNITS: Record<string, number> = { second: 1, minute: MINUTE, hour: HOUR, day: DAY }

/** Parses `class=N/unit,...` (e.g. `default=1000000/minute`). */
export function parseRateLimitOverrides(spec: string): Partial<Record<RateLimitClass, RateLimitRule>> {
  const out: Partial<Record<RateLimitClass, RateLimitRule>> = {}
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(\w+)=(\d+)\/(second|minute|hour|day)$/.exec(part)
    if (!match || !(match[1]! in DEFAULT_RATE_LIMITS)) throw new Error(`cannot read ${JSON.stringify(part)}`)
    out[match[1] as RateLimitClass] = { limit: Number(match[2]), windowSeconds: UNITS[match[3]!]! }
  }
  return out
}
