import type { RedisConnection } from '@ytempire/contract/redis'
import type { EventBus } from '../infra/bus'
import type { Metrics } from '../infra/metrics'

/** A tag's key set outlives every entry in it (the longest TTL is a day): then it goes by itself. */
const TAG_TTL_S = 86_400

export interface CachedResponse {
  status: number
  body: string
  contentType: string
}

/**
 * Two-level response cache for GETs: an in-process map in front of Redis.
 * Entries carry a tag (e.g. `user:<id>`); invalidating a tag deletes its Redis keys and tells every
 * core instance over pub/sub to drop its in-memory copies at once.
 */
export interface ResponseCache {
  get(key: string): Promise<CachedResponse | undefined>
  /** The generation observed before computing a response; set() ignores the value if the tag was invalidated meanwhile. */
  generation(tag: string): number
  set(key: string, tag: string, value: CachedResponse, ttlS: number, generation: number): Promise<void>
  invalidate(tag: string): Promise<void>
  start(): Promise<void>
}

interface Entry {
  value: CachedResponse
  expiresAt: number
  tag: string
}
const CHANNEL = 'cache-invalidate'
const MAX_MEMORY_ENTRIES = 10_000

export function createResponseCache(redis: RedisConnection, bus: EventBus, prefix: string, metrics: Metrics): ResponseCache {
  const memory = new Map<string, Entry>()
  const byTag = new Map<string, Set<string>>()
  const generations = new Map<string, number>()

  const dropTag = (tag: string) => {
    generations.set(tag, (generations.get(tag) ?? 0) + 1)
    for (const key of byTag.get(tag) ?? []) memory.delete(key)
    byTag.delete(tag)
  }
  const remember = (key: string, entry: Entry) => {
    if (memory.size >= MAX_MEMORY_ENTRIES) {
      const oldest = memory.keys().next().value
      if (oldest !== undefined) memory.delete(oldest)
    }
    memory.set(key, entry)
    let keys = byTag.get(entry.tag)
    if (!keys) {
      keys = new Set()
      byTag.set(entry.tag, keys)
    }
    keys.add(key)
  }

  return {
    async start() {
      await bus.subscribe(CHANNEL, (m) => {
        if (typeof m === 'object' && m && 'tag' in m) dropTag(String((m as { tag: string }).tag))
      })
      // Invalidations sent while this instance was cut off from Redis never arrive: forget everything.
      bus.onReconnect(() => {
        for (const tag of byTag.keys()) dropTag(tag)
        memory.clear()
      })
    },
    async get(key) {
      const hit = memory.get(key)
      if (hit && hit.expiresAt > Date.now()) {
        metrics.cacheHits.inc({ layer: 'memory' })
        return hit.value
      }
      if (hit) memory.delete(key)
      const raw = await redis.get(`${prefix}cache:${key}`)
      if (!raw) {
        metrics.cacheMisses.inc()
        return undefined
      }
      metrics.cacheHits.inc({ layer: 'redis' })
      const stored = JSON.parse(raw) as { v: CachedResponse; exp: number; tag: string }
      remember(key, { value: stored.v, expiresAt: stored.exp, tag: stored.tag })
      return stored.v
    },
    generation: (tag) => generations.get(tag) ?? 0,
    async set(key, tag, value, ttlS, generation) {
      if ((generations.get(tag) ?? 0) !== generation) return
      const exp = Date.now() + ttlS * 1000
      remember(key, { value, expiresAt: exp, tag })
      await redis
        .multi()
        .set(`${prefix}cache:${key}`, JSON.stringify({ v: value, exp, tag }), 'EX', ttlS)
        .sadd(`${prefix}cachetag:${tag}`, key)
        .expire(`${prefix}cachetag:${tag}`, TAG_TTL_S)
        .exec()
    },
    async invalidate(tag) {
      dropTag(tag)
      const keys = await redis.smembers(`${prefix}cachetag:${tag}`)
      if (keys.length) await redis.del(...keys.map((k) => `${prefix}cache:${k}`))
      await redis.del(`${prefix}cachetag:${tag}`)
      await bus.publish(CHANNEL, { tag })
    },
  }
}
