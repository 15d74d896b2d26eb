import { Redis } from 'ioredis'

/** API-side connection: commands fail fast instead of queueing while Redis is down. */
export function createRedis(url: string, name = 'core'): Redis {
  return new Redis(url, {
    connectionName: `ytempire-${name}`,
    enableAutoPipelining: true,
    maxRetriesPerRequest: 1,
    enableOfflineQueue: true,
    lazyConnect: false,
  })
}

export type { Redis }
