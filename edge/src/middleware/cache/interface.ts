/** A cached answer as the index knows it. */
export interface IndexedEntry {
  /** Path and query. */
  path: string
  /** Whose entry it is within its scope (see CacheLookup). */
  credential: string
  /** Epoch ms when the request that fetched it began. */
  requestStartedAt: number
  /** Epoch ms when the Cache API drops it (TTL plus stale-if-error). */
  expiresAt: number
}

export interface Revocation {
  /** Credentials that must never be answered from the cache again (`s:<session id>`). */
  credentials: string[]
  /** Also drop every entry of the scope, whoever's (the user's role changed, or the account is gone). */
  everything: boolean
}

/**
 * Which Cache API keys hold what, per scope. The Cache API deletes exact keys only, but a write
 * names path prefixes and a revocation names credentials; the index finds the keys for both, and
 * refuses to index an answer that one of them has overtaken.
 */
export interface CacheIndexStore {
  /** Records a key just stored; false when the caller must delete it again (overtaken by an invalidation or a revocation). */
  register(scope: string, key: string, entry: IndexedEntry): Promise<boolean>
  /** Forgets and returns every key under the prefixes, for the caller to delete from the cache. */
  invalidate(scope: string, prefixes: string[]): Promise<string[]>
  /** Remembers the revocation and forgets and returns the keys it covers, for the caller to delete. */
  revoke(scope: string, revocation: Revocation): Promise<string[]>
  isRevoked(scope: string, credential: string): Promise<boolean>
}
