import { createPipelineClient, type PipelineClient } from '@ytempire/contract/queue'
import { duplicateRedis, type RedisConnection } from '@ytempire/contract/redis'
import { createStorage, type Storage } from '@ytempire/storage'
import type { Config } from './config'
import { createSecretBox, type SecretBox } from './crypto/secret-box'
import { createKeyStore, type KeyStore } from './crypto/signing-keys'
import { ADVISORY_LOCKS, type Database } from './db'
import { createReadRouter, type ReadRouter } from './db/read-your-writes'
import { createResponseCache, type ResponseCache } from './http/cache'
import { createRateLimiter, type RateLimiter } from './http/rate-limit'
import { createEventBus, type EventBus } from './infra/bus'
import { type Clock, systemClock } from './infra/clock'
import { createJobQueues, type JobQueues } from './infra/jobs'
import { createLogger, type Logger } from './infra/logger'
import { createMetrics, type Metrics } from './infra/metrics'
import { logOutages } from './infra/redis'
import { createSessionStore, type SessionStore } from './modules/auth/sessions'
import { type AuditLog, createAuditLog } from './modules/users/audit'

/** Everything a request handler may use, built once per core instance by one factory. */
export interface Deps {
  instanceId: string
  config: Config
  database: Database
  /** Which database a lag-tolerant read of a user goes to (replicas, or the primary right after their write). */
  reads: ReadRouter
  redis: RedisConnection
  bus: EventBus
  log: Logger
  metrics: Metrics
  box: SecretBox
  keys: KeyStore
  cache: ResponseCache
  limiter: RateLimiter
  audit: AuditLog
  sessions: SessionStore
  /** The render pipeline's queues (dispatch, cancel, dead letters, worker reports) on a connection of its own. */
  pipeline: PipelineClient
  /** The core's own background queues (billing, webhooks, ...). */
  jobs: JobQueues
  storage: Storage
  /** Live video updates, fanned out to this instance's Server-Sent-Event streams. */
  videoUpdates: VideoUpdateHub
  /** "Now" for decisions that depend on the date (quota days, schedules); tests move it. */
  clock: Clock
}

export interface VideoUpdateHub {
  listen(videoId: string, fn: (update: unknown) => void): () => void
  publish(videoId: string, update: unknown): Promise<void>
}

function createVideoUpdateHub(bus: EventBus): VideoUpdateHub {
  const listeners = new Map<string, Set<(u: unknown) => void>>()
  void bus.subscribe('video-updates', (m) => {
    const { videoId, update } = m as { videoId: string; update: unknown }
    for (const fn of listeners.get(videoId) ?? []) fn(update)
  })
  return {
    listen(videoId, fn) {
      let set = listeners.get(videoId)
      if (!set) {
        set = new Set()
        listeners.set(videoId, set)
      }
      set.add(fn)
      return () => {
        set.delete(fn)
        if (set.size === 0) listeners.delete(videoId)
      }
    },
    publish: (videoId, update) => bus.publish('video-updates', { videoId, update }),
  }
}

export async function createDeps(
  config: Config,
  database: Database,
  redis: RedisConnection,
  opts: { defaultMetrics?: boolean; clock?: Clock } = {},
): Promise<Deps> {
  const log = createLogger(config.logLevel)
  logOutages(redis, log, 'api')
  const metrics = createMetrics({ defaults: opts.defaultMetrics })
  const bus = createEventBus(redis, config.redisPrefix)
  const box = createSecretBox(config.secretKeys)
  const keys = createKeyStore({
    db: database.db,
    box,
    bus,
    issuer: config.jwt.issuer,
    audience: config.jwt.audience,
    accessTtlS: config.jwt.accessTtlS,
    rotationDays: config.jwt.keyRotationDays,
  })
  const cache = createResponseCache(redis, bus, config.redisPrefix, metrics)
  const deps: Deps = {
    instanceId: crypto.randomUUID(),
    config,
    database,
    reads: createReadRouter(database, redis, { prefix: config.redisPrefix, stickyS: config.replicaStickyS }),
    redis,
    bus,
    log,
    metrics,
    box,
    keys,
    cache,
    limiter: createRateLimiter(redis, config, metrics),
    audit: createAuditLog(database.db, log),
    sessions: createSessionStore(redis, config),
    // BullMQ needs connections without a per-command retry limit.
    pipeline: createPipelineClient(
      duplicateRedis(redis, 'core-queue', { maxRetriesPerRequest: null, enableAutoPipelining: false }),
      config.queuePrefix,
    ),
    jobs: createJobQueues(
      duplicateRedis(redis, 'core-jobs', { maxRetriesPerRequest: null, enableAutoPipelining: false }),
      config.queuePrefix,
    ),
    storage: createStorage(config.storage),
    videoUpdates: createVideoUpdateHub(bus),
    clock: opts.clock ?? systemClock,
  }
  await database.withLock(ADVISORY_LOCKS.signingKeys, () => keys.init())
  await cache.start()
  return deps
}
