import type { RedisConnection } from '@ytempire/contract/redis'
import type { Database, Db } from './index'

/**
 * Read-your-writes over lagging replicas. Every write request of a signed-in user marks that user in
 * Redis for `stickyS` seconds (so every core replica knows), and while the mark lives the user's
 * replica-tolerant reads go to the primary: someone who just created a channel sees it in the next
 * list. Other users' reads, and this user's once the mark expires, go to a replica. The window must
 * exceed the replicas' lag (pg_replication_lag_seconds). Without replicas both calls cost nothing.
 */
export interface ReadRouter {
  /** The auth guard calls this on every POST/PUT/PATCH/DELETE of a signed-in user, before the handler runs. */
  wrote(userId: string): Promise<void>
  /** Where a read that tolerates replication lag goes for this user: the primary or the replicas. */
  readerFor(userId: string): Promise<Db>
}

export function createReadRouter(database: Database, redis: RedisConnection, opts: { prefix: string; stickyS: number }): ReadRouter {
  if (database.replicaCount === 0) return { wrote: async () => {}, readerFor: async () => database.db }
  const key = (userId: string) => `${opts.prefix}rw:${userId}`
  return {
    async wrote(userId) {
      await redis.set(key(userId), '1', 'EX', opts.stickyS)
    },
    async readerFor(userId) {
      // If Redis cannot say, the primary is always right.
      const recent = await redis.exists(key(userId)).catch(() => 1)
      return recent ? database.db : database.replicated
    },
  }
}
