import type { RedisConnection } from '@ytempire/contract/redis'
import type { Config } from '../../config'
import type { EventBus } from '../../infra/bus'

/**
 * Live sessions in Redis (one key per refresh-token family) with the seed's 1-hour idle timeout:
 * every authenticated request slides the expiry; a session idle for an hour, or logged out, is gone.
 */
export interface SessionStore {
  open(sessionId: string): Promise<void>
  /** Slides the idle timer; false when the session has ended. */
  touch(sessionId: string): Promise<boolean>
  /** Ends sessions; every instance hears it at once (`SESSIONS_ENDED` on the bus: open progress streams close). */
  end(sessionIds: string[]): Promise<void>
  /** Whether the session is still live, without sliding its idle timer (a stream's periodic check). */
  isLive(sessionId: string): Promise<boolean>
  /** The Redis key and idle timeout of a session, for callers that slide it inside another script. */
  slideSpec(sessionId: string): { key: string; ttlS: number }
}

/** Bus channel of ended sessions: `string[]` of their ids. */
export const SESSIONS_ENDED = 'sessions-ended'

export function createSessionStore(
  redis: RedisConnection,
  config: Pick<Config, 'redisPrefix' | 'sessionIdleS'>,
  bus?: Pick<EventBus, 'publish'>,
): SessionStore {
  const key = (id: string) => `${config.redisPrefix}sess:${id}`
  return {
    async open(id) {
      await redis.set(key(id), '1', 'EX', config.sessionIdleS)
    },
    async touch(id) {
      return (await redis.set(key(id), '1', 'EX', config.sessionIdleS, 'XX')) === 'OK'
    },
    async end(ids) {
      if (!ids.length) return
      await redis.del(...ids.map(key))
      await bus?.publish(SESSIONS_ENDED, ids)
    },
    isLive: async (id) => (await redis.exists(key(id))) === 1,
    slideSpec: (id) => ({ key: key(id), ttlS: config.sessionIdleS }),
  }
}
