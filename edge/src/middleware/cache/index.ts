export { type CacheLookup, type CacheOptions, cacheLookup, edgeCache } from './cache'
export { CacheIndex } from './cache-index'
export { cacheScope, parseCacheControl, pathIsUnder, ROUTE_TTL_SECONDS, routeTtlCap, storagePolicy } from './policy'
