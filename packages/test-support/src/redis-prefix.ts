import type { Cluster, Redis } from 'ioredis'

/**
 * Deletes every key starting with `prefix` (SCAN, not KEYS: other tests share the server; on a
 * cluster, every primary is scanned and keys are deleted one by one, as they may live in different
 * slots). Returns how many.
 */
export async function deleteRedisPrefix(redis: Redis | Cluster, prefix: string): Promise<number> {
  const pattern = `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`
  const nodes = 'nodes' in redis && typeof redis.nodes === 'function' ? redis.nodes('master') : [redis as Redis]
  let deleted = 0
  for (const node of nodes) {
    let cursor = '0'
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000)
      cursor = next
      for (const key of keys) deleted += await redis.del(key)
    } while (cursor !== '0')
  }
  return deleted
}
