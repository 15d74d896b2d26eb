import { DurableObject } from 'cloudflare:workers'
import type { CacheIndexStore, IndexedEntry, Revocation } from './interface'
import { pathIsUnder } from './policy'

type Entry = Omit<IndexedEntry, 'requestStartedAt'>

interface Invalidation {
  prefix: string
  at: number
}

const ENTRY = 'e:'
const INVALIDATIONS = 'invalidations'
const REVOKED = 'revoked'
// An invalidation or revocation is remembered at least long enough to catch any GET that was in flight when it happened.
const IN_FLIGHT_MEMORY_MS = 5 * 60_000
// Isolates and this object may read slightly different clocks.
const CLOCK_SLACK_MS = 1_000

/**
 * The cache index of one scope (see CacheIndexStore). Every location registers what it stores
 * here, so the object knows how long any entry of a credential can live anywhere, and keeps a
 * revocation at least that long: until then no location answers that credential from its cache.
 */
export class CacheIndex extends DurableObject {
  #entries = new Map<string, Entry>()
  #invalidations: Invalidation[] = []
  /** Revoked credential -> epoch ms until which it is remembered. */
  #revoked = new Map<string, number>()

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      for (const [key, entry] of await ctx.storage.list<Entry>({ prefix: ENTRY })) {
        this.#entries.set(key.slice(ENTRY.length), entry)
      }
      this.#invalidations = (await ctx.storage.get<Invalidation[]>(INVALIDATIONS)) ?? []
      this.#revoked = new Map((await ctx.storage.get<[string, number][]>(REVOKED)) ?? [])
    })
  }

  /**
   * Records a key just stored. Returns false when its credential is revoked, or when an
   * invalidation covering `path` happened after the request began: its body may predate it.
   */
  async register(key: string, entry: IndexedEntry): Promise<boolean> {
    this.#prune(Date.now())
    if (this.#revoked.has(entry.credential)) return false
    const overtaken = this.#invalidations.some(
      (inv) => inv.at >= entry.requestStartedAt - CLOCK_SLACK_MS && pathIsUnder(entry.path, inv.prefix),
    )
    if (overtaken) return false
    const stored: Entry = { path: entry.path, credential: entry.credential, expiresAt: entry.expiresAt }
    this.#entries.set(key, stored)
    void this.ctx.storage.put(ENTRY + key, stored)
    return true
  }

  async invalidate(prefixes: string[]): Promise<string[]> {
    const now = Date.now()
    this.#prune(now)
    this.#remember(prefixes, now)
    return this.#take((entry) => prefixes.some((prefix) => pathIsUnder(entry.path, prefix)))
  }

  async revoke(revocation: Revocation): Promise<string[]> {
    const now = Date.now()
    this.#prune(now)
    for (const credential of revocation.credentials) {
      let until = Math.max(this.#revoked.get(credential) ?? 0, now + IN_FLIGHT_MEMORY_MS)
      for (const entry of this.#entries.values()) if (entry.credential === credential) until = Math.max(until, entry.expiresAt)
      this.#revoked.set(credential, until)
    }
    void this.ctx.storage.put(REVOKED, [...this.#revoked])
    if (revocation.everything) {
      // Also refuses the answers of requests in flight: they may show what the revocation changed.
      this.#remember(['/'], now)
      return this.#take(() => true)
    }
    const credentials = new Set(revocation.credentials)
    return this.#take((entry) => credentials.has(entry.credential))
  }

  async isRevoked(credential: string): Promise<boolean> {
    const until = this.#revoked.get(credential)
    return until !== undefined && until > Date.now()
  }

  #remember(prefixes: string[], now: number): void {
    for (const prefix of prefixes) this.#invalidations.push({ prefix, at: now })
    void this.ctx.storage.put(INVALIDATIONS, this.#invalidations)
  }

  #take(matches: (entry: Entry) => boolean): string[] {
    const keys = [...this.#entries].filter(([, entry]) => matches(entry)).map(([key]) => key)
    this.#forget(keys)
    return keys
  }

  #prune(now: number): void {
    this.#forget([...this.#entries].filter(([, entry]) => entry.expiresAt <= now).map(([key]) => key))
    const before = this.#invalidations.length
    this.#invalidations = this.#invalidations.filter((inv) => now - inv.at < IN_FLIGHT_MEMORY_MS)
    if (this.#invalidations.length !== before) void this.ctx.storage.put(INVALIDATIONS, this.#invalidations)
    let revokedChanged = false
    for (const [credential, until] of this.#revoked) {
      if (until > now) continue
      this.#revoked.delete(credential)
      revokedChanged = true
    }
    if (revokedChanged) void this.ctx.storage.put(REVOKED, [...this.#revoked])
  }

  #forget(keys: string[]): void {
    for (const key of keys) this.#entries.delete(key)
    // storage.delete takes at most 128 keys per call.
    for (let i = 0; i < keys.length; i += 128) {
      void this.ctx.storage.delete(keys.slice(i, i + 128).map((key) => ENTRY + key))
    }
  }
}

/** The store backed by `CacheIndex` objects, one per scope. */
export function durableObjectCacheIndex(namespace: DurableObjectNamespace<CacheIndex>): CacheIndexStore {
  const index = (scope: string) => namespace.get(namespace.idFromName(scope))
  return {
    register: (scope, key, entry) => index(scope).register(key, entry),
    invalidate: (scope, prefixes) => index(scope).invalidate(prefixes),
    revoke: (scope, revocation) => index(scope).revoke(revocation),
    isRevoked: (scope, credential) => index(scope).isRevoked(credential),
  }
}
