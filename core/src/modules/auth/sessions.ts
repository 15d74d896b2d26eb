import type { RedisConnection } from '@ytempire/contract/redis'
import type { Config } from '../../config'

/**
 * Live sessions in Redis (one key per refresh-token family) with the seed's 1-hour idle timeout:
 * every authenticated request slides the expiry; a session idle for an hour, or logged out, is gone.
 */
export interface SessionStore {
  open(sessionId: string): Promise<void>
  /** Slides the idle timer; false when the session has ended. */
  touch(sessionId: string): Promise<boolean>
  end(sessionIds: string[]): Promise<void>
  /** The Redis key and idle timeout of a session, for callers that slide it inside another script. */
  slideSpec(sessionId: string): { key: string; ttlS: number }
}

export function createSessionStore(redis: RedisConnection, config: Pick<Config, 'redisPrefix' | 'sessionIdleS'>): SessionStore {
  const key = (id: string) => `${config.redisPrefix}sess:${id}`
  return {
    async open(id) {
      await redis.set(key(id), '1', 'EX', config.sessionIdleS)
    },
    async touch(id) {
      return (await redis.set(key(id), '1', 'EX', config.sessionIdleS, 'XX')) === 'OK'
    },
    async end(ids) {
      if (ids.length) await redis.del(...ids.map(key))
    },
    slideSpec: (id) => ({ key: key(id), ttlS: config.sessionIdleS }),
  }
}
