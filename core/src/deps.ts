import type { Redis } from 'ioredis'
import type { Config } from './config'
import type { Database } from './db'
import { createEventBus, type EventBus } from './infra/bus'
import { createLogger, type Logger } from './infra/logger'
import { createMetrics, type Metrics } from './infra/metrics'
import { createSecretBox, type SecretBox } from './crypto/secret-box'
import { createKeyStore, type KeyStore } from './crypto/signing-keys'
import { createResponseCache, type ResponseCache } from './http/cache'
import { createRateLimiter, type RateLimiter } from './http/rate-limit'
import { createAuditLog, type AuditLog } from './modules/users/audit'
import { createSessionStore, type SessionStore } from './modules/auth/sessions'

/** Everything a request handler may use, built once per core instance by one factory. */
export interface Deps {
  instanceId: string
  config: Config
  database: Database
  redis: Redis
  bus: EventBus
  log: Logger
  metrics: Metrics
  box: SecretBox
  keys: KeyStore
  cache: ResponseCache
  limiter: RateLimiter
  audit: AuditLog
  sessions: SessionStore
}

export async function createDeps(config: Config, database: Database, redis: Redis, opts: { defaultMetrics?: boolean } = {}): Promise<Deps> {
  const log = createLogger(config.logLevel)
  const metrics = createMetrics({ defaults: opts.defaultMetrics })
  const bus = createEventBus(redis, config.redisPrefix)
  const box = createSecretBox(config.secretKeys)
  const keys = createKeyStore({
    db: database.db, box, bus, issuer: config.jwt.issuer, audience: config.jwt.audience,
    accessTtlS: config.jwt.accessTtlS, rotationDays: config.jwt.keyRotationDays,
  })
  const cache = createResponseCache(redis, bus, config.redisPrefix, metrics)
  const deps: Deps = {
    instanceId: crypto.randomUUID(), config, database, redis, bus, log, metrics, box, keys, cache,
    limiter: createRateLimiter(redis, config, metrics),
    audit: createAuditLog(database.db, log),
    sessions: createSessionStore(redis, config),
  }
  await database.withLock(7261505, () => keys.init())
  await cache.start()
  return deps
}
