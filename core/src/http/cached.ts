import type { Deps } from '../deps'
import { pathOf } from './plugin'

type CacheKind = 'api' | 'analytics'

/**
 * Serves a private GET from the response cache (keyed per user and URL), or computes, stores and
 * returns it. Marks the response `Cache-Control: private, max-age=<ttl>` so the edge may cache it per user.
 * `c` is the authenticated route's own context.
 */
export async function cachedForUser<T>(
  deps: Deps,
  c: { principal: { userId: string }; request: Request; set: { headers: Record<string, string | number> } },
  kind: CacheKind,
  compute: () => Promise<T>,
): Promise<T> {
  const { userId } = c.principal
  const key = `u:${userId}:${pathOf(c.request.url)}`
  const tag = userCacheTag(userId)
  const ttl = deps.config.cacheTtlS[kind]
  c.set.headers['cache-control'] = `private, max-age=${ttl}`
  const hit = await deps.cache.get(key)
  if (hit) {
    c.set.headers['x-cache'] = 'HIT'
    // The stored body is already serialised: send it as is (the declared type is what it decodes to).
    return new Response(hit.body, { status: hit.status, headers: { 'content-type': 'application/json;charset=utf-8' } }) as unknown as T
  }
  const generation = deps.cache.generation(tag)
  const value = await compute()
  c.set.headers['x-cache'] = 'MISS'
  await deps.cache.set(key, tag, { status: 200, body: JSON.stringify(value), contentType: 'application/json' }, ttl, generation)
  return value
}

export const userCacheTag = (userId: string) => `user:${userId}`

/** Drops everything cached for a user on every core instance, and tells the edge what went stale. */
export async function invalidateUser(deps: Deps, userId: string, set?: { headers: Record<string, string | number> }) {
  await deps.cache.invalidate(userCacheTag(userId))
  if (set) set.headers['x-invalidate'] = '/v1/'
}
