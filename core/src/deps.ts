import { installationQueuePrefix } from '@ytempire/contract'
import { createPipelineClient, type PipelineClient } from '@ytempire/contract/queue'
import { duplicateRedis, keyPrefixFor, type RedisConnection } from '@ytempire/contract/redis'
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
import { ensureInstallation } from './infra/installation'
import { createJobQueues, type JobQueues } from './infra/jobs'
import { createLogger, type Logger } from './infra/logger'
import { createMetrics, type Metrics } from './infra/metrics'
import { createOutbox, type Outbox } from './infra/outbox'
import { logOutages } from './infra/redis'
import { createSessionStore, SESSIONS_ENDED, type SessionStore } from './modules/auth/sessions'
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
  /** Work that follows a committed change (dispatch, a finished video's meter and webhooks), done at least once. */
  outbox: Outbox
  /** "Now" for decisions that depend on the date (quota days, schedules); tests move it. */
  clock: Clock
}

export interface VideoUpdateHub {
  listen(videoId: string, fn: (update: unknown) => void): () => void
  publish(videoId: string, update: unknown): Promise<void>
  /** Calls `fn` when the session ends (logout, revocation, password or role change) on any instance. */
  onSessionEnded(sessionId: string, fn: () => void): () => void
}

/** Listeners by key, each removable. */
function listenerMap<T>() {
  const map = new Map<string, Set<(v: T) => void>>()
  return {
    add(key: string, fn: (v: T) => void) {
      let set = map.get(key)
      if (!set) {
        set = new Set()
        map.set(key, set)
      }
      set.add(fn)
      return () => {
        set.delete(fn)
        if (set.size === 0) map.delete(key)
      }
    },
    emit(key: string, value: T) {
      for (const fn of map.get(key) ?? []) fn(value)
    },
  }
}

function createVideoUpdateHub(bus: EventBus): VideoUpdateHub {
  const updates = listenerMap<unknown>()
  const ended = listenerMap<void>()
  void bus.subscribe('video-updates', (m) => {
    const { videoId, update } = m as { videoId: string; update: unknown }
    updates.emit(videoId, update)
  })
  void bus.subscribe(SESSIONS_ENDED, (ids) => {
    for (const id of ids as string[]) ended.emit(id, undefined)
  })
  return {
    listen: (videoId, fn) => updates.add(videoId, fn),
    publish: (videoId, update) => bus.publish('video-updates', { videoId, update }),
    onSessionEnded: (sessionId, fn) => ended.add(sessionId, fn),
  }
}

export async function createDeps(
  given: Config,
  database: Database,
  redis: RedisConnection,
  opts: { defaultMetrics?: boolean; clock?: Clock } = {},
): Promise<Deps> {
  const log = createLogger(given.logLevel)
  logOutages(redis, log, 'api')
  const storage = createStorage(given.storage)
  // QUEUE_PREFIX unset: the installation's own namespace, so a shared Redis never mixes two installations' jobs.
  const config: Config = given.queuePrefixFromInstallation
    ? {
        ...given,
        queuePrefix: keyPrefixFor(
          given.redis,
          installationQueuePrefix(
            await database.withLock(ADVISORY_LOCKS.installation, () => ensureInstallation(database.db, storage, log)),
          ),
        ),
      }
    : given
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
    sessions: createSessionStore(redis, config, bus),
    // BullMQ needs connections without a per-command retry limit.
    pipeline: createPipelineClient(
      duplicateRedis(redis, 'core-queue', { maxRetriesPerRequest: null, enableAutoPipelining: false }),
      config.queuePrefix,
    ),
    jobs: createJobQueues(
      duplicateRedis(redis, 'core-jobs', { maxRetriesPerRequest: null, enableAutoPipelining: false }),
      config.queuePrefix,
    ),
    storage,
    videoUpdates: createVideoUpdateHub(bus),
    outbox: createOutbox(database.db, config.outbox, log),
    clock: opts.clock ?? systemClock,
  }
  await database.withLock(ADVISORY_LOCKS.signingKeys, () => keys.init())
  await cache.start()
  return deps
}
