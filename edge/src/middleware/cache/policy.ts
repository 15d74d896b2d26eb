import type { Principal } from '../../principal'

/** CACHE_STRATEGY ttl of the technical architecture: the most a route's answer may be kept. */
export const ROUTE_TTL_SECONDS = { static: 86_400, api: 300, analytics: 60 } as const

export function routeTtlCap(path: string): number {
  if (/^\/v1\/analytics(\/|$)/.test(path)) return ROUTE_TTL_SECONDS.analytics
  if (/^\/v1(\/|$)/.test(path)) return ROUTE_TTL_SECONDS.api
  return ROUTE_TTL_SECONDS.static
}

export interface CacheControl {
  public: boolean
  private: boolean
  noStore: boolean
  noCache: boolean
  maxAge?: number
  staleIfError?: number
}

export function parseCacheControl(value: string | null): CacheControl {
  const cc: CacheControl = { public: false, private: false, noStore: false, noCache: false }
  for (const directive of (value ?? '').toLowerCase().split(',')) {
    const [name = '', arg] = directive
      .trim()
      .split('=', 2)
      .map((s) => s.trim())
    const seconds = arg !== undefined && /^\d+$/.test(arg) ? Number(arg) : undefined
    if (name === 'public') cc.public = true
    else if (name === 'private') cc.private = true
    else if (name === 'no-store') cc.noStore = true
    else if (name === 'no-cache') cc.noCache = true
    else if (name === 'max-age') cc.maxAge = seconds
    else if (name === 'stale-if-error') cc.staleIfError = seconds
  }
  return cc
}

export const PUBLIC_SCOPE = 'public'

export const userScope = (userId: string) => `u:${userId}`
export const sessionCredential = (sessionId: string) => `s:${sessionId}`

export interface CacheIdentity {
  /** Whose index the entry is in: one per user, so a write or a revocation finds all of theirs. */
  scope: string
  /** Whose entry it is within the scope. */
  credential: string
}

/**
 * Whose cache an answer lives in. Anonymous callers share one; an authenticated caller has
 * their own, so user B can never be served user A's body. Within a user's scope each session
 * and each API key has its own entries (a key may see less than its owner): an entry was
 * fetched by the core for that very credential, so a revoked session cannot be served another
 * session's answers, and its own go with the revocation. A token without a session id is not
 * answered from the cache at all (null): nothing could revoke its entries.
 */
export function cacheIdentity(principal: Principal): CacheIdentity | null {
  switch (principal.kind) {
    case 'anonymous':
      return { scope: PUBLIC_SCOPE, credential: '-' }
    case 'user':
      return principal.sessionId ? { scope: userScope(principal.userId), credential: sessionCredential(principal.sessionId) } : null
    case 'api_key':
      return { scope: userScope(principal.userId), credential: `k:${principal.keyHash}` }
  }
}

/** The scopes a write by this principal makes stale: the writer's (every session and key of theirs) and the shared one. */
export function invalidationScopes(principal: Principal): string[] {
  return principal.kind === 'anonymous' ? [PUBLIC_SCOPE] : [userScope(principal.userId), PUBLIC_SCOPE]
}

export interface StoragePolicy {
  /** Seconds the answer is served without asking the origin. */
  ttl: number
  /** Seconds after that during which it may still stand in for a failed origin. */
  staleIfError: number
}

/**
 * Whether a GET answer may be cached in `scope`, and for how long: only a 200 the core marked
 * cacheable (docs/contracts.md "Caching hints"), never one with Set-Cookie, and a `private`
 * answer only in a user's own scope.
 */
export function storagePolicy(response: Response, scope: string, path: string): StoragePolicy | null {
  if (response.status !== 200) return null
  if (response.headers.has('set-cookie')) return null
  if (response.headers.get('vary')?.includes('*')) return null
  const cc = parseCacheControl(response.headers.get('cache-control'))
  if (cc.noStore || cc.noCache || !cc.maxAge) return null
  if (!cc.public && !cc.private) return null
  if (cc.private && scope === PUBLIC_SCOPE) return null
  const ttl = Math.min(cc.maxAge, routeTtlCap(path))
  return { ttl, staleIfError: cc.staleIfError ?? ttl }
}

/** Whether `path` (with its query) lies under an `X-Invalidate` prefix. */
export function pathIsUnder(path: string, prefix: string): boolean {
  if (prefix === '' || prefix === '/') return true
  if (!path.startsWith(prefix)) return false
  if (path.length === prefix.length || prefix.endsWith('/')) return true
  const next = path[prefix.length]
  return next === '/' || next === '?'
}
