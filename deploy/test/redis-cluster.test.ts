// Redis connection settings, and Redis Cluster mode against a real three-node cluster: the prefixes
// are hash-tagged, so the core's two-key scripts and BullMQ's scripts and flows (parent and child in
// different queues) keep all their keys in one slot. Without the tag BullMQ fails with CROSSSLOT.
import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connectRedis, keyPrefixFor, type RedisConnection, redisTargetFromEnv } from '@ytempire/contract/redis'
import { FlowProducer, Queue, Worker } from 'bullmq'
import { Cluster, Redis } from 'ioredis'
import { loadConfig } from '../../core/src/config'
import { createRateLimiter } from '../../core/src/http/rate-limit'
import { freePort } from '../../core/src/infra/local-redis'
import { createMetrics } from '../../core/src/infra/metrics'
import { createRedis } from '../../core/src/infra/redis'
import { createSessionStore } from '../../core/src/modules/auth/sessions'
import { loadConfig as loadRenderConfig } from '../../render/src/config'

describe('Redis connection settings', () => {
  test('one server, Sentinel or Cluster, read once from the environment', () => {
    expect(redisTargetFromEnv({ REDIS_URL: 'redis://r:6379' })).toEqual({ mode: 'standalone', url: 'redis://r:6379' })
    expect(redisTargetFromEnv({ REDIS_SENTINELS: 's1:26379, s2, [::1]:26380', REDIS_PASSWORD: 'pw' })).toEqual({
      mode: 'sentinel',
      sentinels: [
        { host: 's1', port: 26379 },
        { host: 's2', port: 26379 },
        { host: '::1', port: 26380 },
      ],
      name: 'ytempire',
      password: 'pw',
      sentinelPassword: undefined,
      tls: false,
    })
    expect(redisTargetFromEnv({ REDIS_CLUSTER_NODES: 'c1:7000,c2:7001' })).toMatchObject({
      mode: 'cluster',
      nodes: [
        { host: 'c1', port: 7000 },
        { host: 'c2', port: 7001 },
      ],
    })
    expect(() => redisTargetFromEnv({ REDIS_SENTINELS: 's1', REDIS_CLUSTER_NODES: 'c1' })).toThrow('not both')
    expect(() => redisTargetFromEnv({ REDIS_SENTINELS: 's1:99999' })).toThrow('REDIS_SENTINELS')
  })

  test('prefixes are hash-tagged in cluster mode only, for the core and the workers alike', () => {
    const cluster = redisTargetFromEnv({ REDIS_CLUSTER_NODES: 'c1:7000' })
    expect(keyPrefixFor(cluster, 'ytempire')).toBe('{ytempire}')
    expect(keyPrefixFor(cluster, 'yt:')).toBe('{yt}:')
    expect(keyPrefixFor(cluster, '{mine}:')).toBe('{mine}:')
    expect(keyPrefixFor(redisTargetFromEnv({}), 'ytempire')).toBe('ytempire')
    const env = { NODE_ENV: 'test', REDIS_CLUSTER_NODES: 'c1:7000' }
    const core = loadConfig(env)
    const render = loadRenderConfig(env)
    expect([core.redisPrefix, core.queuePrefix, render.queuePrefix]).toEqual(['{yt}:', '{ytempire}', '{ytempire}'])
    expect(core.redisUrl).toBeUndefined()
    expect(loadRenderConfig({ REDIS_SENTINELS: 's1' }).redis).toMatchObject({ mode: 'sentinel', name: 'ytempire' })
  })
})

const redisServer = Bun.which('redis-server')
const redisCli = Bun.which('redis-cli')
if (!redisServer || !redisCli) console.warn('[ops] Redis Cluster test skipped: redis-server / redis-cli are not installed')

describe.skipIf(!redisServer || !redisCli)('Redis Cluster', () => {
  let dir: string
  const procs: ReturnType<typeof Bun.spawn>[] = []
  const ports: number[] = []
  const opened: RedisConnection[] = []

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ytempire-cluster-'))
    for (let i = 0; i < 3; i++) {
      const port = await freePort()
      const busPort = await freePort()
      ports.push(port)
      const home = join(dir, String(port))
      mkdirSync(home)
      procs.push(
        Bun.spawn(
          [redisServer!, '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--cluster-enabled', 'yes'],
          { cwd: home, stdout: 'ignore', stderr: 'ignore' },
        ),
      )
    }
    for (const port of ports)
      for (let i = 0; ; i++) {
        const r = Bun.spawnSync([redisCli!, '-p', String(port), 'ping'], { stdout: 'pipe' })
        if (r.stdout.toString().includes('PONG')) break
        if (i > 200) throw new Error(`redis-server on ${port} did not start`)
        await Bun.sleep(25)
      }
    const create = Bun.spawnSync(
      [redisCli!, '--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'],
      { stdout: 'pipe', stderr: 'pipe' },
    )
    if (!create.success) throw new Error(`cluster create failed: ${create.stdout}${create.stderr}`)
    for (const port of ports)
      for (;;) {
        const info = Bun.spawnSync([redisCli!, '-p', String(port), 'cluster', 'info'], { stdout: 'pipe' }).stdout.toString()
        if (info.includes('cluster_state:ok')) break
        await Bun.sleep(50)
      }
  }, 60_000)

  afterAll(() => {
    for (const c of opened) c.disconnect()
    for (const p of procs) p.kill('SIGKILL')
    rmSync(dir, { recursive: true, force: true })
  })

  test("the core's rate limit + session script and BullMQ flows work across the cluster with hash-tagged prefixes", async () => {
    const config = loadConfig({ NODE_ENV: 'test', REDIS_CLUSTER_NODES: ports.map((p) => `127.0.0.1:${p}`).join(',') })
    const redis = createRedis(config.redis)
    opened.push(redis)
    expect(redis).toBeInstanceOf(Cluster)

    // One script touches the rate-limit counter and the session key: both under {yt}, one slot.
    const sessions = createSessionStore(redis, config)
    await sessions.open('s1')
    const limiter = createRateLimiter(redis, config, createMetrics())
    const decision = await limiter.hit('default', 'user-1', sessions.slideSpec('s1'))
    expect(decision.slid).toBe(true)
    await sessions.end(['s1', 's2'])

    // A flow whose parent and child live in different queues, as the render pipeline's do.
    // Opened the way render/src/pipeline/workers.ts opens its connections.
    const connection = connectRedis(config.redis, 'render-commands', { maxRetriesPerRequest: null })
    const blocking = connectRedis(config.redis, 'render-worker', { maxRetriesPerRequest: null })
    opened.push(connection, blocking)
    const flows = new FlowProducer({ connection, prefix: config.queuePrefix })
    const order: string[] = []
    const workers = ['render', 'thumbnail'].map(
      (name) => new Worker(name, async (job) => void order.push(job.name), { connection: blocking, prefix: config.queuePrefix }),
    )
    await flows.add({ name: 'thumbnail-job', queueName: 'thumbnail', children: [{ name: 'render-job', queueName: 'render' }] })
    for (let i = 0; order.length < 2; i++) {
      if (i > 400) throw new Error(`flow did not finish: ${order}`)
      await Bun.sleep(25)
    }
    expect(order).toEqual(['render-job', 'thumbnail-job'])
    await Promise.all(workers.map((w) => w.close()))
    await flows.close()

    // The same queue without the tag: its keys scatter over slots and BullMQ's scripts are refused.
    const untagged = new Queue('render', { connection, prefix: 'ytempire' })
    await expect(untagged.add('x', {})).rejects.toThrow(/CROSSSLOT|same slot/i)
    await untagged.close()
  }, 60_000)
})

// A plain server still works through the same factory (the common case).
test('a single server through the same factory', async () => {
  const url = process.env.TEST_REDIS_URL ?? process.env.REDIS_URL ?? 'redis://127.0.0.1:6379'
  const redis = createRedis(redisTargetFromEnv({ REDIS_URL: url }))
  expect(redis).toBeInstanceOf(Redis)
  expect(await redis.ping()).toBe('PONG')
  redis.disconnect()
})
