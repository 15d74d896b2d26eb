import { DurableObject } from 'cloudflare:workers'
import { pathIsUnder } from './policy'

interface Entry {
  path: string
  expiresAt: number
}

interface Invalidation {
  prefix: string
  at: number
}

const ENTRY = 'e:'
const INVALIDATIONS = 'invalidations'
// An invalidation is remembered long enough to catch any GET that was in flight when it happened.
const INVALIDATION_MEMORY_MS = 5 * 60_000
// Isolates and this object may read slightly different clocks.
const CLOCK_SLACK_MS = 1_000

/**
 * The Cache API deletes one exact key at a time, but a write names path prefixes. One object per
 * cache scope remembers which keys it holds under which path, so a write can find and delete
 * them, and refuses to index an answer fetched before an invalidation that covers it.
 */
export class CacheIndex extends DurableObject {
  #entries = new Map<string, Entry>()
  #invalidations: Invalidation[] = []

  constructor(ctx: DurableObjectState, env: Cloudflare.Env) {
    super(ctx, env)
    ctx.blockConcurrencyWhile(async () => {
      for (const [key, entry] of await ctx.storage.list<Entry>({ prefix: ENTRY })) {
        this.#entries.set(key.slice(ENTRY.length), entry)
      }
      this.#invalidations = (await ctx.storage.get<Invalidation[]>(INVALIDATIONS)) ?? []
    })
  }

  /**
   * Records a key just stored. Returns false when an invalidation covering `path` happened after
   * the request began: the caller must then delete what it stored, it may predate the write.
   */
  async register(key: string, path: string, requestStartedAt: number, expiresAt: number): Promise<boolean> {
    const now = Date.now()
    this.#prune(now)
    const overtaken = this.#invalidations.some((inv) => inv.at >= requestStartedAt - CLOCK_SLACK_MS && pathIsUnder(path, inv.prefix))
    if (overtaken) return false
    this.#entries.set(key, { path, expiresAt })
    void this.ctx.storage.put(ENTRY + key, { path, expiresAt })
    return true
  }

  /** Forgets and returns every key under the prefixes, for the caller to delete from the cache. */
  async invalidate(prefixes: string[]): Promise<string[]> {
    const now = Date.now()
    this.#prune(now)
    for (const prefix of prefixes) this.#invalidations.push({ prefix, at: now })
    void this.ctx.storage.put(INVALIDATIONS, this.#invalidations)
    const stale: string[] = []
    for (const [key, entry] of this.#entries) {
      if (prefixes.some((prefix) => pathIsUnder(entry.path, prefix))) stale.push(key)
    }
    this.#forget(stale)
    return stale
  }

  #prune(now: number): void {
    const expired = [...this.#entries].filter(([, entry]) => entry.expiresAt <= now).map(([key]) => key)
    this.#forget(expired)
    const before = this.#invalidations.length
    this.#invalidations = this.#invalidations.filter((inv) => now - inv.at < INVALIDATION_MEMORY_MS)
    if (this.#invalidations.length !== before) void this.ctx.storage.put(INVALIDATIONS, this.#invalidations)
  }

  #forget(keys: string[]): void {
    for (const key of keys) this.#entries.delete(key)
    // storage.delete takes at most 128 keys per call.
    for (let i = 0; i < keys.length; i += 128) {
      void this.ctx.storage.delete(keys.slice(i, i + 128).map((key) => ENTRY + key))
    }
  }
}
