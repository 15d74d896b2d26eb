// Configuration is read and validated once, here; everything else receives it.

import { type Plan, parseRateLimitOverrides, QUEUE_PREFIX, RATE_LIMITS, type RateLimitClass, type RateLimitRule } from '@ytempire/contract'
import { z } from './infra/env'
import { type StorageConfig, storageConfigFromEnv } from './infra/storage'

export interface Config {
  env: 'development' | 'production' | 'test'
  port: number
  host: string
  dataDir: string
  databaseUrl?: string
  redisUrl?: string
  redisPrefix: string
  logLevel: string
  jwt: { issuer: string; audience: string; accessTtlS: number; keyRotationDays: number }
  refreshTtlS: number
  sessionIdleS: number
  /** AES-256-GCM keys for secrets at rest; the first one encrypts, all decrypt. */
  secretKeys: { kid: string; key: Uint8Array }[]
  edgeSharedSecret?: string
  corsOrigins: string[]
  maxBodyBytes: number
  /** Cap for media uploads (POST /v1/uploads), which alone may exceed maxBodyBytes. */
  maxUploadBytes: number
  trustProxy: boolean
  /** The contract's table (the edge applies the same), with RATE_LIMITS overrides. */
  rateLimits: Record<RateLimitClass, RateLimitRule>
  cacheTtlS: { api: number; analytics: number; sessions: number; static: number }
  publicUrl: string
  /** BullMQ key prefix shared with the render workers (QUEUE_PREFIX). */
  queuePrefix: string
  /** Where artifacts live; the same settings as the render workers (STORAGE_DRIVER, STORAGE_DIR, S3_*). */
  storage: StorageConfig
  /** True when the workers can write scripts (an OpenAI-compatible LLM is configured); else requests must carry a script. */
  scriptLlmConfigured: boolean
  /** Channels an account may own, by plan (billing changes plans). */
  channelLimits: Record<Plan, number>
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const mode = z.oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development')
  const secretKeys = parseSecretKeys(env.SECRET_KEYS, mode)
  const port = z.int(env, 'PORT', 3000)
  return {
    env: mode,
    port,
    host: env.HOST ?? '0.0.0.0',
    dataDir: env.DATA_DIR ?? '.data',
    databaseUrl: env.DATABASE_URL || undefined,
    redisUrl: env.REDIS_URL || undefined,
    redisPrefix: env.REDIS_PREFIX ?? 'yt:',
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
    corsOrigins: (env.CORS_ORIGINS ?? 'http://localhost:5173')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    maxBodyBytes: z.int(env, 'MAX_BODY_BYTES', 1024 * 1024),
    maxUploadBytes: z.int(env, 'MAX_UPLOAD_BYTES', 500 * 1024 * 1024),
    trustProxy: env.TRUST_PROXY === 'true',
    rateLimits: { ...RATE_LIMITS, ...parseRateLimitOverrides(env.RATE_LIMITS ?? '') },
    cacheTtlS: { api: 300, analytics: 60, sessions: 3600, static: 86400 },
    publicUrl: env.PUBLIC_URL ?? `http://localhost:${port}`,
    queuePrefix: env.QUEUE_PREFIX || QUEUE_PREFIX,
    storage: storageConfigFromEnv(env),
    scriptLlmConfigured: Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL),
    channelLimits: { free: 5, pro: 25, premium: 100 },
  }
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
