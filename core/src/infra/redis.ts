import { connectRedis, type RedisConnection, type RedisTarget } from '@ytempire/contract/redis'
import type { Logger } from './logger'

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

/**
 * True from the moment a connection drops until it is back. A command sent then would wait in
 * ioredis's offline queue for a reconnect (seconds), so callers answer 503 at once instead.
 */
export const redisDown = (redis: RedisConnection): boolean =>
  redis.status === 'reconnecting' || redis.status === 'close' || redis.status === 'end'

/** An error ioredis raises because Redis could not be reached (as opposed to a reply from Redis). */
export function isRedisOutage(err: unknown): boolean {
  const e = err as { name?: unknown; message?: unknown } | null
  if (!e || typeof e !== 'object') return false
  const message = String(e.message ?? '')
  return (
    e.name === 'MaxRetriesPerRequestError' ||
    e.name === 'ClusterAllFailedError' ||
    message === 'Connection is closed.' ||
    message.startsWith("Stream isn't writeable")
  )
}

/** Logs an outage once when it starts and once when it ends, instead of ioredis's line per reconnect attempt. */
export function logOutages(redis: RedisConnection, log: Logger, connection: string): void {
  let down = false
  redis.on('error', (err: unknown) => {
    if (down) return
    down = true
    log.warn({ err, connection }, 'Redis is unreachable; answering 503 until it is back')
  })
  redis.on('ready', () => {
    if (!down) return
    down = false
    log.info({ connection }, 'Redis is reachable again')
  })
}

export type { RedisConnection }
