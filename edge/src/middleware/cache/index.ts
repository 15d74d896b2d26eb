export { cacheLookup, edgeCache, type CacheLookup, type CacheOptions } from "./cache";
export { CacheIndex } from "./cache-index";
export { cacheScope, parseCacheControl, pathIsUnder, routeTtlCap, storagePolicy, ROUTE_TTL_SECONDS } from "./policy";
