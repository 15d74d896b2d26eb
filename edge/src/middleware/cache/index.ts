export { type CacheOptions, cacheKey, cacheLookup, edgeCache } from './cache'
export { CacheIndex, durableObjectCacheIndex } from './durable-object'
export type { CacheIndexStore, IndexedEntry, Revocation } from './interface'
export { SessionLeases } from './leases'
export type { CacheLookup } from './lookup'
export {
  cacheIdentity,
  PUBLIC_SCOPE,
  parseCacheControl,
  pathIsUnder,
  ROUTE_TTL_SECONDS,
  routeTtlCap,
  sessionCredential,
  storagePolicy,
  userScope,
} from './policy'
