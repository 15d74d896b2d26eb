// Redis Sentinel failover through the connection factory the core and the workers use: a primary,
// a replica and three sentinels on private ports. The primary is killed; the sentinels promote the
// replica; the core's command connection, its pub/sub bus and a BullMQ queue and worker carry on
// against the new primary with the data written before the crash.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { connectRedis, duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'
import { waitUntil } from '@ytempire/test-support'
import { Queue, Worker } from 'bullmq'
import { loadConfig } from '../../core/src/config'
import { createResponseCache } from '../../core/src/http/cache'
import { createEventBus } from '../../core/src/infra/bus'
import { portAnswers } from '../../core/src/infra/local-redis'
import { createMetrics } from '../../core/src/infra/metrics'
import { createRedis } from '../../core/src/infra/redis'
import { redisServer, type SentinelSet, startSentinelSet } from './sentinel-set'

if (!redisServer) console.warn('[ops] Sentinel failover test skipped: redis-server is not installed (apt-get install redis-server)')

describe.skipIf(!redisServer)('Redis Sentinel failover', () => {
  let set: SentinelSet
  const opened: RedisConnection[] = []

  beforeAll(async () => {
    set = await startSentinelSet()
  }, 60_000)

  afterAll(() => {
    for (const c of opened) c.disconnect()
    set?.stop()
  })

  test('the core and a BullMQ worker follow the promoted replica', async () => {
    const config = loadConfig({
      NODE_ENV: 'test',
      REDIS_SENTINELS: set.sentinelsEnv,
      REDIS_SENTINEL_NAME: 'ytempire',
    })
    expect(config.redis.mode).toBe('sentinel')
    // The core's own connections: commands, pub/sub, and the BullMQ connection.
    const redis = createRedis(config.redis)
    const queueConnection = duplicateRedis(redis, 'core-queue', { maxRetriesPerRequest: null })
    // A render worker's blocking connection, opened the way render/src/pipeline/workers.ts opens it.
    const workerConnection = connectRedis(config.redis, 'render-worker', { maxRetriesPerRequest: null })
    opened.push(redis, queueConnection, workerConnection)
    const bus = createEventBus(redis, 'sentinel-test:')
    const heard: unknown[] = []
    await bus.subscribe('ping', (m) => heard.push(m))
    const cache = createResponseCache(redis, bus, 'sentinel-test:', createMetrics())
    await cache.start()
    await cache.set(
      'me:alice',
      'user:alice',
      { status: 200, body: 'alice v1', contentType: 'application/json' },
      300,
      cache.generation('user:alice'),
    )

    await redis.set('before-failover', 'kept')
    // Acknowledged by the replica before the crash, so the promoted replica must have it.
    expect(await redis.call('WAIT', '1', '5000')).toBe(1)
    const queue = new Queue('failover', { connection: queueConnection, prefix: config.queuePrefix })
    const done: string[] = []
    const worker = new Worker('failover', async (job) => void done.push(job.name), {
      connection: workerConnection,
      prefix: config.queuePrefix,
    })
    // As render/src/pipeline/stage-worker.ts does: connection errors during the failover are logged, not thrown.
    const workerErrors: Error[] = []
    worker.on('error', (err) => workerErrors.push(err))
    queue.on('error', (err) => workerErrors.push(err))
    await queue.add('before', {})
    await waitUntil(async () => done.includes('before'), { what: 'the job before the failover', timeoutMs: 30_000 })

    const crashedAt = performance.now()
    set.killPrimary()
    await waitUntil(async () => !(await portAnswers('127.0.0.1', set.ports.primary)), { what: 'the primary to go away', timeoutMs: 30_000 })
    // The API connection fails fast during the failover; it answers again once a sentinel names the new primary.
    await waitUntil(async () => (await redis.set('after-failover', '1')) === 'OK', {
      what: 'a write after the failover',
      timeoutMs: 30_000,
    })
    const writableAfterS = (performance.now() - crashedAt) / 1000

    const info = await redis.info('server')
    expect(info).toContain(`tcp_port:${set.ports.replica}`)
    expect((await redis.info('replication')).includes('role:master')).toBe(true)
    expect(await redis.get('before-failover')).toBe('kept')

    // Pub/sub resumes once the subscriber has re-subscribed on the new primary (messages sent before that are lost) ...
    let n = 0
    await waitUntil(
      async () => {
        await bus.publish('ping', { n: ++n })
        return heard.length > 0
      },
      { what: 'the bus after the failover', timeoutMs: 30_000 },
    )
    // ... so the in-process cache has forgotten what it held: the Redis copy is all there is.
    await redis.del('sentinel-test:cache:me:alice')
    expect(await cache.get('me:alice')).toBeUndefined()

    await waitUntil(async () => Boolean(await queue.add('after', {})), { what: 'a job added after the failover', timeoutMs: 30_000 })
    await waitUntil(async () => done.includes('after'), { what: 'the job after the failover', timeoutMs: 30_000 })
    await worker.close()
    await queue.close()
    await bus.close()
    console.log(`[sentinel] primary killed; the core wrote again after ${writableAfterS.toFixed(1)} s (down-after 1 s)`)
  }, 60_000)
})
