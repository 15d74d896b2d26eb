import { connectRedis, type RedisConnection, type RedisTarget } from '@ytempire/contract/redis'

/**
 * API-side connection: commands fail fast instead of queueing while Redis is down. A URL is a single
 * server; a target may also be a Sentinel-watched primary or a Cluster (config.redis).
 */
export function createRedis(target: RedisTarget | string, name = 'core'): RedisConnection {
  return connectRedis(typeof target === 'string' ? { mode: 'standalone', url: target } : target, name, {
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  })
}

export type { RedisConnection }
