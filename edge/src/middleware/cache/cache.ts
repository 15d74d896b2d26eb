import type { MiddlewareHandler } from 'hono'
import { inBackground } from '../../background'
import { ANONYMOUS } from '../../principal'
import type { EdgeEnv } from '../../types'
import type { CacheIndexStore } from './interface'
import type { SessionLeases } from './leases'
import { cacheIdentity, invalidationScopes, parseCacheControl, type StoragePolicy, storagePolicy } from './policy'

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])
const STORED_AT = 'x-edge-stored-at'
const FRESH_FOR = 'x-edge-fresh-for'
const ORIGINAL_CACHE_CONTROL = 'x-edge-cache-control'

/** The Cache API key of an entry: its scope, its credential, then the URL's path and query. */
export function cacheKey(url: URL, scope: string, credential: string): string {
  return `${url.origin}/__edge-cache/${encodeURIComponent(scope)}/${encodeURIComponent(credential)}${url.pathname}${url.search}`
}

/** What goes into the Cache API: kept for ttl + stale window, with our bookkeeping in headers. */
function toStored(response: Response, policy: StoragePolicy, now: number): Response {
  const stored = new Response(response.body, response)
  stored.headers.set(ORIGINAL_CACHE_CONTROL, response.headers.get('cache-control') ?? '')
  // The Cache API refuses `private`; the scope in the key is what keeps the entry private.
  stored.headers.set('cache-control', `public, max-age=${policy.ttl + policy.staleIfError}`)
  stored.headers.set(STORED_AT, String(now))
  stored.headers.set(FRESH_FOR, String(policy.ttl))
  // Per-request headers belong to the request that fetched it, not to the ones the entry will answer.
  for (const name of [...stored.headers.keys()]) {
    if (name.startsWith('access-control-') || name === 'x-cache') stored.headers.delete(name)
  }
  return stored
}

function fromStored(stored: Response, xCache: 'HIT' | 'STALE', now: number): Response {
  const response = new Response(stored.body, stored)
  const storedAt = Number(stored.headers.get(STORED_AT))
  response.headers.set('cache-control', stored.headers.get(ORIGINAL_CACHE_CONTROL) ?? 'private')
  response.headers.set('age', String(Math.max(0, Math.floor((now - storedAt) / 1000))))
  for (const name of [STORED_AT, FRESH_FOR, ORIGINAL_CACHE_CONTROL]) response.headers.delete(name)
  response.headers.set('X-Cache', xCache)
  return response
}

function isFresh(stored: Response, now: number): boolean {
  const storedAt = Number(stored.headers.get(STORED_AT))
  const freshFor = Number(stored.headers.get(FRESH_FOR))
  return Number.isFinite(storedAt) && Number.isFinite(freshFor) && now - storedAt < freshFor * 1000
}

const SERVABLE = Promise.resolve(true)

/**
 * Starts looking a GET up in the caller's cache scope, and checking that the caller's session
 * may be served from the cache, without waiting: the rate limiter runs meanwhile, and
 * `edgeCache` collects both.
 */
export function cacheLookup(options: { leases: SessionLeases }): MiddlewareHandler<EdgeEnv> {
  return async function cacheLookup(c, next) {
    // A Range request wants part of a body; a cached whole one would not do.
    const identity = c.req.method === 'GET' && !c.req.header('range') ? cacheIdentity(c.get('principal') ?? ANONYMOUS) : null
    if (identity) {
      const { scope, credential } = identity
      const key = cacheKey(new URL(c.req.url), scope, credential)
      const bypass = parseCacheControl(c.req.header('cache-control') ?? null).noCache
      const stored = bypass ? Promise.resolve(undefined) : caches.default.match(key)
      // Only sessions can be revoked (an API key is asked of the core every API_KEY_CACHE_SECONDS).
      const servable = credential.startsWith('s:') ? options.leases.check(scope, credential, (work) => inBackground(c, work)) : SERVABLE
      // Nobody awaits them if the request is refused before edgeCache runs.
      stored.catch(() => undefined)
      // Real time, not the freshness clock: the cache index compares it with its own.
      c.set('cacheLookup', { key, scope, credential, startedAt: Date.now(), stored, servable })
    }
    await next()
  }
}

export interface CacheOptions {
  index: CacheIndexStore
  /** Epoch milliseconds; tests move it to age entries without waiting. */
  clock?: () => number
}

/**
 * Edge cache for GETs (Cache API) and invalidation on writes; `cacheLookup` must run before it.
 * - GET: a fresh entry in the caller's scope is answered without the origin (`X-Cache: HIT`);
 *   otherwise the origin answers (`MISS`) and what the core marked cacheable is stored; an entry
 *   past its TTL but inside its stale-if-error window stands in when the origin fails (`STALE`).
 *   Nothing cached is served to a session that may be revoked (`servable`).
 * - A successful write deletes, before it answers, every entry under its `X-Invalidate`
 *   prefixes and its own path, so the writer reads its own write.
 */
export function edgeCache(options: CacheOptions): MiddlewareHandler<EdgeEnv> {
  const now = options.clock ?? Date.now
  const { index } = options

  return async function edgeCache(c, next) {
    const method = c.req.method
    const url = new URL(c.req.url)

    if (WRITE_METHODS.has(method)) {
      await next()
      const named = c.res.headers.get('x-invalidate')
      c.res.headers.delete('x-invalidate')
      if (c.res.status < 200 || c.res.status >= 300) return
      const prefixes = [
        url.pathname,
        ...(named ?? '')
          .split(',')
          .map((p) => p.trim())
          .filter((p) => p.startsWith('/')),
      ]
      try {
        await Promise.all(
          invalidationScopes(c.get('principal') ?? ANONYMOUS).map(async (scope) => {
            const keys = await index.invalidate(scope, prefixes)
            await Promise.all(keys.map((key) => caches.default.delete(key)))
          }),
        )
      } catch (err) {
        // The write happened; failing its response would invite a retry. Entries age out by their TTL.
        console.error(JSON.stringify({ msg: 'cache invalidation failed', requestId: c.get('requestId'), prefixes, error: String(err) }))
      }
      return
    }
    const lookup = c.get('cacheLookup')
    if (method !== 'GET' || !lookup) return next()

    const { key, scope, credential, startedAt } = lookup
    const found = await lookup.stored
    const stored = found && (await lookup.servable) ? found : undefined
    if (found && !stored) void found.body?.cancel()
    if (stored && isFresh(stored, now())) return fromStored(stored, 'HIT', now())

    await next()

    if (stored && c.res.status >= 500) {
      // The origin failed and the entry is inside its stale-if-error window (else the Cache API had dropped it).
      const failed = c.res
      const stale = fromStored(stored, 'STALE', now())
      for (const [name, value] of failed.headers) {
        if (name.startsWith('access-control-') || name === 'vary') stale.headers.set(name, value)
      }
      c.res = undefined
      c.res = stale
      return
    }
    void stored?.body?.cancel()

    c.res.headers.set('X-Cache', 'MISS')
    const policy = storagePolicy(c.res, scope, url.pathname)
    if (!policy) return
    const copy = c.res.clone()
    const path = url.pathname + url.search
    inBackground(
      c,
      (async () => {
        const storedAt = now()
        await caches.default.put(key, toStored(copy, policy, storedAt))
        const expiresAt = storedAt + (policy.ttl + policy.staleIfError) * 1000
        const indexed = await index.register(scope, key, { path, credential, requestStartedAt: startedAt, expiresAt })
        if (!indexed) await caches.default.delete(key)
      })().catch((err) => console.error(JSON.stringify({ msg: 'cache store failed', key, error: String(err) }))),
    )
  }
}
