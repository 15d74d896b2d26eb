// Configuration is read and validated once, here; everything else receives it.

import { join, resolve } from 'node:path'
import {
  type Entitlements,
  PAID_PLANS,
  type PaidPlan,
  PLAN_ENTITLEMENTS,
  type Plan,
  parseRateLimitOverrides,
  QUEUE_PREFIX,
  RATE_LIMITS,
  type RateLimitClass,
  type RateLimitRule,
} from '@ytempire/contract'
import { keyPrefixFor, type RedisTarget, redisTargetFromEnv } from '@ytempire/contract/redis'
import type { TracingConfig } from '@ytempire/contract/tracing'
import { type StorageConfig, storageConfigFromEnv } from '@ytempire/storage'
import { edgeUrlFrom } from './infra/edge-purge'
import { z } from './infra/env'
import type { OutboxConfig } from './infra/outbox'
import { type AnalyticsConfig, parseAnalyticsConfig } from './modules/analytics/config'
import { parseYouTubeConfig, type YouTubeConfig } from './modules/youtube/config'

export interface Config {
  env: 'development' | 'production' | 'test'
  port: number
  host: string
  dataDir: string
  databaseUrl?: string
  /** Read-only PostgreSQL replicas (DATABASE_REPLICA_URLS); reads that may lag go there (core/src/db/index.ts). */
  databaseReplicaUrls: string[]
  /** After a user's write, that user's replica-routed reads stay on the primary this long (read-your-writes). */
  replicaStickyS: number
  /** One server, a Sentinel-watched primary, or a Cluster (REDIS_URL, REDIS_SENTINELS, REDIS_CLUSTER_NODES). */
  redis: RedisTarget
  /** The standalone REDIS_URL (undefined with Sentinel or Cluster). */
  redisUrl?: string
  /** Hash-tagged ("{yt}:") in cluster mode, so one script's keys share a slot; so is queuePrefix. */
  redisPrefix: string
  logLevel: string
  jwt: { issuer: string; audience: string; accessTtlS: number; keyRotationDays: number }
  refreshTtlS: number
  sessionIdleS: number
  /** AES-256-GCM keys for secrets at rest; the first one encrypts, all decrypt. */
  secretKeys: { kid: string; key: Uint8Array }[]
  edgeSharedSecret?: string
  /** The edge worker, told of ended sessions (infra/edge-purge.ts); unset: not told. */
  edgeUrl?: string
  corsOrigins: string[]
  maxBodyBytes: number
  /** Cap for media uploads (POST /v1/uploads), which alone may exceed maxBodyBytes. */
  maxUploadBytes: number
  trustProxy: boolean
  /** The contract's table (the edge applies the same), with RATE_LIMITS overrides. */
  rateLimits: Record<RateLimitClass, RateLimitRule>
  cacheTtlS: { api: number; analytics: number; sessions: number; static: number }
  publicUrl: string
  /**
   * BullMQ key prefix shared with the render workers (QUEUE_PREFIX). Unset, it is the installation's
   * own namespace (`queuePrefixFromInstallation`), filled in at start (deps.ts).
   */
  queuePrefix: string
  queuePrefixFromInstallation: boolean
  /** Where artifacts live; the same settings as the render workers (STORAGE_DRIVER, STORAGE_DIR, S3_*). */
  storage: StorageConfig
  /** True when the workers can write scripts (an OpenAI-compatible LLM is configured); else requests must carry a script. */
  scriptLlmConfigured: boolean
  /** The built web app (web/dist), served at /. */
  webDir: string
  /** What each plan entitles to: the table in @ytempire/contract (tests may lower a limit). */
  plans: Record<Plan, Entitlements>
  billing: BillingConfig
  webhooks: WebhooksConfig
  /** Google OAuth client, YouTube endpoints and quota (GOOGLE_*, YOUTUBE_*). */
  youtube: YouTubeConfig
  /** How long before a slot the autopilot makes its video (AUTOPILOT_LEAD_MINUTES). */
  autopilotLeadMinutes: number
  /** Ingestion schedule and WebSub (ANALYTICS_*, WEBSUB_*). */
  analytics: AnalyticsConfig
  events: EventsConfig
  outbox: OutboxConfig
  sweeper: SweeperConfig
  /** A progress stream (SSE) re-reads its video and checks its session this often: a missed pub/sub message is caught up. */
  progressResyncMs: number
  /** OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME); no endpoint = off. */
  tracing: TracingConfig
}

/**
 * Settling videos whose job no longer exists (Redis lost it, or a worker died before reporting the
 * end): one instance at a time looks every `intervalMs` at videos idle for `graceMs`.
 */
export interface SweeperConfig {
  intervalMs: number
  graceMs: number
}

/** The workers' reports (video-events). */
export interface EventsConfig {
  /**
   * While PostgreSQL is down the core stops taking reports; they wait in Redis, in order, spending none
   * of their attempts. It looks again after 1, 2, 4, 8, 16 s, then every 30 s: a 10-minute outage is
   * 31 s of doubling and 19 more looks, and reports apply within 30 s of the database's return.
   */
  outageRetry: { firstMs: number; maxMs: number }
}

export interface StripeConfig {
  secretKey: string
  webhookSecret: string
  /** STRIPE_API_BASE as the SDK wants it. */
  api: { host: string; port: number; protocol: 'http' | 'https' }
  /** The recurring price of each paid plan (STRIPE_PRICE_PRO, STRIPE_PRICE_PREMIUM). */
  prices: Record<PaidPlan, string>
  /** A metered price added to every checkout, billed from the meter events (STRIPE_METERED_PRICE). */
  meteredPrice?: string
  /** The meter's event name; unset = completed videos are not reported (STRIPE_METER_EVENT). */
  meterEventName?: string
}

export interface BillingConfig {
  /** Unset: billing is off and administrators set plans. */
  stripe?: StripeConfig
  /** How long a past_due subscription keeps its plan. */
  pastDueGraceS: number
  /** Where Checkout and the Customer Portal send the user back to. */
  returnUrl: string
  /** First retry delay of a meter event Stripe did not take (doubling from there). */
  meterRetryMs: number
}

export interface WebhooksConfig {
  /** Tests only: deliver to loopback/private addresses and plain http. */
  allowPrivateTargets: boolean
  timeoutMs: number
  /** Bytes of a receiver's answer kept with each attempt. */
  responseExcerptBytes: number
  /** Attempts per message; with retryBaseMs the backoff doubles from there (13 x 60 s ≈ 2.8 days in all). */
  attempts: number
  retryBaseMs: number
  /** An endpoint failing without a success for this long is disabled and its owner told. */
  disableAfterS: number
  /** After a secret rotation, deliveries are signed with the old secret too for this long. */
  rotationGraceS: number
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const mode = z.oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development')
  const secretKeys = parseSecretKeys(env.SECRET_KEYS, mode)
  const port = z.int(env, 'PORT', 3000)
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')
  const redis = redisTargetFromEnv(env)
  return {
    env: mode,
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: env.DATA_DIR ?? '.data',
    databaseUrl: env.DATABASE_URL || undefined,
    databaseReplicaUrls: (env.DATABASE_REPLICA_URLS ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    replicaStickyS: z.int(env, 'DATABASE_REPLICA_STICKY_S', 5),
    redis,
    redisUrl: redis.mode === 'standalone' ? redis.url : undefined,
    redisPrefix: keyPrefixFor(redis, env.REDIS_PREFIX ?? 'yt:'),
    logLevel: env.LOG_LEVEL ?? (mode === 'test' ? 'silent' : 'info'),
    jwt: {
      issuer: env.JWT_ISSUER ?? 'ytempire',
      audience: env.JWT_AUDIENCE ?? 'ytempire-api',
      accessTtlS: 900,
      keyRotationDays: z.int(env, 'JWT_KEY_ROTATION_DAYS', 30),
    },
    refreshTtlS: 604800,
    sessionIdleS: 3600,
    secretKeys,
    edgeSharedSecret: env.EDGE_SHARED_SECRET || undefined,
    edgeUrl: edgeUrlFrom(env.EDGE_URL),
    corsOrigins: (env.CORS_ORIGINS ?? 'http://localhost:5173')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxBodyBytes: z.int(env, 'MAX_BODY_BYTES', 1024 * 1024),
    maxUploadBytes: z.int(env, 'MAX_UPLOAD_BYTES', 500 * 1024 * 1024),
    trustProxy: env.TRUST_PROXY === 'true',
    rateLimits: { ...RATE_LIMITS, ...parseRateLimitOverrides(env.RATE_LIMITS ?? '') },
    cacheTtlS: { api: 300, analytics: 60, sessions: 3600, static: 86400 },
    publicUrl,
    queuePrefix: keyPrefixFor(redis, env.QUEUE_PREFIX || QUEUE_PREFIX),
    queuePrefixFromInstallation: !env.QUEUE_PREFIX,
    storage: storageConfigFromEnv(env),
    scriptLlmConfigured: Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL),
    webDir: resolve(env.WEB_DIR || join(import.meta.dir, '../../web/dist')),
    plans: structuredClone(PLAN_ENTITLEMENTS) as Record<Plan, Entitlements>,
    billing: {
      stripe: parseStripe(env),
      pastDueGraceS: Math.round(z.number(env, 'BILLING_PAST_DUE_GRACE_DAYS', 7) * 86400),
      returnUrl: env.BILLING_RETURN_URL || `${publicUrl}/billing`,
      meterRetryMs: 30_000,
    },
    webhooks: {
      allowPrivateTargets: parseAllowPrivateTargets(env.WEBHOOKS_ALLOW_PRIVATE_TARGETS, mode),
      timeoutMs: 10_000,
      responseExcerptBytes: 2048,
      attempts: 13,
      retryBaseMs: 60_000,
      disableAfterS: Math.round(z.number(env, 'WEBHOOKS_DISABLE_AFTER_DAYS', 5) * 86400),
      rotationGraceS: Math.round(z.number(env, 'WEBHOOKS_ROTATION_GRACE_HOURS', 24) * 3600),
    },
    events: { outageRetry: { firstMs: 1000, maxMs: 30_000 } },
    // A dispatch or a finished video's webhooks wait at most ~10 s after Redis is back (polls of 1 s,
    // retries doubling from 1 s to 1 min).
    outbox: { pollMs: 1000, retry: { firstMs: 1000, maxMs: 60_000 }, handlerTimeoutMs: 5000 },
    // Ten minutes without a sign of life and without a job: far beyond a report's way through the queue.
    sweeper: { intervalMs: 60_000, graceMs: 10 * 60_000 },
    progressResyncMs: 15_000,
    tracing: { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined, serviceName: env.OTEL_SERVICE_NAME || 'ytempire-core' },
    youtube: parseYouTubeConfig(env, publicUrl),
    autopilotLeadMinutes: z.int(env, 'AUTOPILOT_LEAD_MINUTES', 360),
    analytics: parseAnalyticsConfig(env, publicUrl),
  }
}

/** Billing is on when STRIPE_SECRET_KEY is set; then the webhook secret and every paid plan's price are required. */
function parseStripe(env: Record<string, string | undefined>): StripeConfig | undefined {
  const secretKey = env.STRIPE_SECRET_KEY
  if (!secretKey) return undefined
  const missing: string[] = []
  const webhookSecret = env.STRIPE_WEBHOOK_SECRET ?? ''
  if (!webhookSecret) missing.push('STRIPE_WEBHOOK_SECRET')
  const prices = Object.fromEntries(
    PAID_PLANS.map((plan) => {
      const name = `STRIPE_PRICE_${plan.toUpperCase()}`
      if (!env[name]) missing.push(name)
      return [plan, env[name] ?? '']
    }),
  ) as Record<PaidPlan, string>
  if (missing.length) throw new Error(`STRIPE_SECRET_KEY is set, so ${missing.join(', ')} must be set too`)
  const base = env.STRIPE_API_BASE || 'https://api.stripe.com'
  let url: URL
  try {
    url = new URL(base)
  } catch {
    throw new Error(`STRIPE_API_BASE must be a URL such as https://api.stripe.com, got "${base}"`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`STRIPE_API_BASE must be http(s), got "${base}"`)
  const protocol = url.protocol === 'http:' ? 'http' : 'https'
  return {
    secretKey,
    webhookSecret,
    api: { host: url.hostname, port: Number(url.port || (protocol === 'http' ? 80 : 443)), protocol },
    prices,
    meteredPrice: env.STRIPE_METERED_PRICE || undefined,
    meterEventName: env.STRIPE_METER_EVENT || undefined,
  }
}

function parseAllowPrivateTargets(raw: string | undefined, mode: Config['env']): boolean {
  if (raw !== 'true') return false
  if (mode === 'production') throw new Error('WEBHOOKS_ALLOW_PRIVATE_TARGETS is for tests and development; it is refused in production')
  return true
}

function parseSecretKeys(raw: string | undefined, mode: Config['env']): Config['secretKeys'] {
  if (!raw) {
    if (mode === 'production') throw new Error('SECRET_KEYS is required in production (e.g. "k1:<32 bytes base64>")')
    // Development and tests: a fixed, clearly-labelled key so a restart can still decrypt.
    return [{ kid: 'dev', key: new Uint8Array(32).fill(7) }]
  }
  return raw.split(',').map((part) => {
    const [kid, b64] = part.trim().split(':')
    if (!kid || !b64) throw new Error('SECRET_KEYS must be "kid:base64key[,kid:base64key...]"')
    const key = Uint8Array.from(Buffer.from(b64, 'base64'))
    if (key.length !== 32) throw new Error(`SECRET_KEYS key "${kid}" must be 32 bytes (AES-256), got ${key.length}`)
    return { kid, key }
  })
}
