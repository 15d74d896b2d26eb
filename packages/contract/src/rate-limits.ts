// The rate-limit classes of the seed (technical-architecture 4.4), in one unit (seconds), and which
// requests fall in which class. The core and the edge both apply this table.

export const RATE_LIMIT_CLASSES = ['default', 'auth', 'video_generation', 'expensive_operations', 'webhook'] as const
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number]

export interface RateLimitRule {
  limit: number
  windowSeconds: number
}

const MINUTE = 60
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

export const RATE_LIMITS: Record<RateLimitClass, RateLimitRule> = {
  default: { limit: 100, windowSeconds: MINUTE },
  auth: { limit: 5, windowSeconds: MINUTE },
  video_generation: { limit: 10, windowSeconds: HOUR },
  expensive_operations: { limit: 100, windowSeconds: DAY },
  webhook: { limit: 600, windowSeconds: MINUTE },
}

/**
 * Whose count a request is charged to. `caller`: the user when authenticated, else the client IP
 * (webhooks always by source IP). `token-family`: the refresh-token family the request presents, so
 * that users sharing one address (a NAT, an office) do not share a count; a token that belongs to no
 * family is counted by client IP.
 */
export type RateLimitSubject = 'caller' | 'token-family'

export interface RateLimitRoute {
  cls: RateLimitClass
  subject: RateLimitSubject
  /**
   * Counted against `cls` once per path and window for its caller, every request of it against
   * `default`: a video played in many HTTP Range requests (every seek is one) is one download.
   * The core counts the paths; the edge, which cannot tell a seek from a new download, counts `default`.
   */
  perPath?: true
}

const SEGMENT = '[^/]+'
const ROUTES: { cls: RateLimitClass; method?: string; pattern: RegExp; subject?: RateLimitSubject; perPath?: true }[] = [
  // Incoming webhooks (Stripe, YouTube WebSub) live outside /v1: raw bodies signed by their senders.
  // The operator's own outgoing-webhook settings (/v1/webhooks/endpoints) are ordinary API routes.
  { cls: 'webhook', pattern: /^\/webhooks(\/|$)/ },
  // A client refreshes every 15 minutes: counted per session, never with the logins of its address.
  { cls: 'auth', method: 'POST', pattern: /^\/v1\/auth\/(web\/)?refresh\/?$/, subject: 'token-family' },
  { cls: 'auth', pattern: /^\/v1\/auth(\/|$)/ },
  // These check the account's password: as strict as a sign-in, so a stolen token cannot guess it.
  { cls: 'auth', method: 'POST', pattern: /^\/v1\/me\/password\/?$/ },
  { cls: 'auth', method: 'DELETE', pattern: /^\/v1\/me\/?$/ },
  // Google's redirect after consent: anonymous, carrying a single-use state.
  { cls: 'auth', method: 'GET', pattern: /^\/v1\/youtube\/callback\/?$/ },
  { cls: 'video_generation', method: 'POST', pattern: new RegExp(`^/v1/channels/${SEGMENT}/videos(/batch)?/?$`) },
  { cls: 'expensive_operations', method: 'GET', pattern: /^\/v1\/me\/export\/?$/ },
  { cls: 'expensive_operations', method: 'GET', pattern: new RegExp(`^/v1/videos/${SEGMENT}/file/?$`), perPath: true },
  { cls: 'expensive_operations', method: 'POST', pattern: new RegExp(`^/v1/analytics/(${SEGMENT}/)*refresh/?$`) },
  // Each rotation adds an RSA key to the published JWKS for the lifetime of the tokens it signed.
  { cls: 'expensive_operations', method: 'POST', pattern: /^\/v1\/admin\/signing-keys\/rotate\/?$/ },
]

/** Which class a request falls in and whose count it is charged to (the first matching row). */
export function rateLimitOf(method: string, path: string): RateLimitRoute {
  // HEAD is a GET without the body: it costs the origin the same.
  const m = method === 'HEAD' ? 'GET' : method
  for (const route of ROUTES) {
    if (route.method && route.method !== m) continue
    if (route.pattern.test(path)) return { cls: route.cls, subject: route.subject ?? 'caller', ...(route.perPath ? { perPath: true } : {}) }
  }
  return { cls: 'default', subject: 'caller' }
}

/** Which class a request falls in. */
export const rateLimitClassOf = (method: string, path: string): RateLimitClass => rateLimitOf(method, path).cls

const UNITS: Record<string, number> = { s: 1, second: 1, m: MINUTE, minute: MINUTE, h: HOUR, hour: HOUR, d: DAY, day: DAY }

/**
 * Reads overrides, `class=limit/window,...`, where the window is seconds (`100/60`) or a unit
 * (`100/minute`, `10/hour`, `100/day`). Throws naming the bad entry.
 */
export function parseRateLimitOverrides(spec: string): Partial<Record<RateLimitClass, RateLimitRule>> {
  const out: Partial<Record<RateLimitClass, RateLimitRule>> = {}
  for (const part of spec
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)) {
    const match = /^(\w+)=(\d+)\/(\d+|[a-z]+)$/.exec(part)
    const cls = match?.[1] as RateLimitClass | undefined
    const window = match?.[3]
    const windowSeconds = window === undefined ? undefined : /^\d+$/.test(window) ? Number(window) : UNITS[window]
    if (!cls || !RATE_LIMIT_CLASSES.includes(cls) || !windowSeconds) {
      throw new Error(
        `rate-limit override ${JSON.stringify(part)} must be <class>=<limit>/<seconds|minute|hour|day> with class one of ${RATE_LIMIT_CLASSES.join(', ')}`,
      )
    }
    out[cls] = { limit: Number(match![2]), windowSeconds }
  }
  return out
}
