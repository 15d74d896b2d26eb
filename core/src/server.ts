import type { RedisTarget } from '@ytempire/contract/redis'
import { startTracing } from '@ytempire/contract/tracing'
import { type App, createApp, createServices } from './app'
import type { Config } from './config'
import { ADVISORY_LOCKS, type Database, migrateDatabase, openDatabase } from './db'
import { createDeps, type Deps } from './deps'
import { ensureRedis } from './infra/local-redis'
import { createRedis } from './infra/redis'
import { startAnalyticsWorker } from './modules/analytics/worker'
import { startAutopilotWorker } from './modules/autopilot/worker'
import { startBillingWorkers } from './modules/billing/worker'
import { startVideoEventConsumer } from './modules/videos/events'
import { startWebhookDeliveries } from './modules/webhooks/worker'

/** How often a long-running instance checks whether the signing key is due for rotation. */
const KEY_ROTATION_CHECK_MS = 3600_000

export interface RunningCore {
  app: App
  deps: Deps
  url: string
  stop(): Promise<void>
}

/** Opens the stores, applies migrations, and serves the API; stop() drains in-flight requests and closes pools. */
export async function startCore(config: Config, opts: { manageRedis?: boolean } = {}): Promise<RunningCore> {
  const tracing = await startTracing(config.tracing)
  // Development convenience for a single server only: Sentinel and Cluster are always configured.
  const redisInfo =
    opts.manageRedis && config.redis.mode === 'standalone'
      ? await ensureRedis({ url: config.redisUrl, dataDir: config.dataDir, log: (m) => console.log(m) })
      : undefined
  const redisUrl = redisInfo?.url ?? config.redisUrl
  const target: RedisTarget = config.redis.mode === 'standalone' ? { mode: 'standalone', url: redisUrl } : config.redis
  if (target.mode === 'standalone' && !target.url) throw new Error('REDIS_URL is required')
  const database: Database = await openDatabase({
    url: config.databaseUrl,
    replicaUrls: config.databaseReplicaUrls,
    dataDir: config.dataDir,
  })
  await migrateDatabase(database)
  const redis = createRedis(target)
  const deps = await createDeps({ ...config, redis: target, redisUrl }, database, redis, { defaultMetrics: true })
  const services = createServices(deps)
  const app = createApp(deps, services)
  const consumer = startVideoEventConsumer(deps, services.videos)
  const background = [
    startWebhookDeliveries(deps, services.webhooks),
    startBillingWorkers(deps, services.billing),
    deps.outbox.startRelay(),
    services.sweeper.start(),
    startAutopilotWorker(deps, services.autopilot),
    await startAnalyticsWorker(deps, services.analytics),
  ]
  // idleTimeout above the SSE ping interval, so progress streams stay open.
  app.listen({
    port: config.port,
    hostname: config.host,
    maxRequestBodySize: Math.max(config.maxBodyBytes, config.maxUploadBytes) + 1024,
    idleTimeout: 30,
  })
  const url = `http://${config.host === '0.0.0.0' ? '127.0.0.1' : config.host}:${app.server!.port}`
  deps.log.info({ url, database: database.kind }, 'core listening')
  // Long-running instances rotate the signing key on schedule too (one instance does it, under a lock).
  const keyTimer = setInterval(() => {
    database
      .withLock(ADVISORY_LOCKS.signingKeys, () => deps.keys.rotateIfDue())
      .then((rotated) => {
        if (rotated) deps.log.info('signing key rotated on schedule')
      })
      .catch((err) => deps.log.error({ err }, 'scheduled signing-key rotation failed'))
  }, KEY_ROTATION_CHECK_MS)
  keyTimer.unref()
  let stopping: Promise<void> | undefined
  return {
    app,
    deps,
    url,
    stop: () =>
      (stopping ??= (async () => {
        // Stop accepting, let in-flight requests finish, then close the pools.
        clearInterval(keyTimer)
        await app.server?.stop(false)
        await consumer.close()
        for (const b of background) await b.close()
        await deps.bus.close()
        await deps.pipeline.close()
        await deps.jobs.close()
        redis.disconnect()
        await database.close()
        redisInfo?.stop()
        await tracing.shutdown().catch((err) => deps.log.warn({ err }, 'could not export the last spans'))
      })()),
  }
}
