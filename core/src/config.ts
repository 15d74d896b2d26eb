// Configuration is read and validated once, here; everything else receives it.

import { type StorageConfig, storageConfigFromEnv } from '@ytempire/render/contract'
import { z } from './infra/env'
import { parseYouTubeConfig, type YouTubeConfig } from './modules/youtube/config'

export type RateLimitClass = 'default' | 'auth' | 'video_generation' | 'expensive_operations' | 'webhook'

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
  rateLimits: Record<RateLimitClass, { limit: number; windowS: number }>
  cacheTtlS: { api: number; analytics: number; sessions: number; static: number }
  publicUrl: string
  /** BullMQ key prefix shared with the render workers (QUEUE_PREFIX). */
  queuePrefix: string
  /** Where artifacts live; the same settings as the render workers (STORAGE_DRIVER, STORAGE_DIR, S3_*). */
  storage: StorageConfig
  /** True when the workers can write scripts (an OpenAI-compatible LLM is configured); else requests must carry a script. */
  scriptLlmConfigured: boolean
  /** Channels an account may own, by plan (billing changes plans). */
  channelLimits: Record<'free' | 'pro' | 'premium', number>
  /** Google OAuth client, YouTube endpoints and quota (GOOGLE_*, YOUTUBE_*). */
  youtube: YouTubeConfig
  /** How long before a slot the autopilot makes its video (AUTOPILOT_LEAD_MINUTES). */
  autopilotLeadMinutes: number
}

// The seed's numbers (technical-architecture 4.4 / 4.5).
export const RATE_LIMITS: Config['rateLimits'] = {
  default: { limit: 100, windowS: 60 },
  auth: { limit: 5, windowS: 60 },
  video_generation: { limit: 10, windowS: 3600 },
  expensive_operations: { limit: 100, windowS: 86400 },
  webhook: { limit: 600, windowS: 60 },
}

export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const mode = z.oneOf(env, 'NODE_ENV', ['development', 'production', 'test'], 'development')
  const secretKeys = parseSecretKeys(env.SECRET_KEYS, mode)
  const port = z.int(env, 'PORT', 3000)
  const publicUrl = (env.PUBLIC_URL ?? `http://localhost:${port}`).replace(/\/+$/, '')
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
    rateLimits: parseRateLimits(env.RATE_LIMITS),
    cacheTtlS: { api: 300, analytics: 60, sessions: 3600, static: 86400 },
    publicUrl,
    queuePrefix: env.QUEUE_PREFIX || 'ytempire',
    storage: storageConfigFromEnv(env),
    scriptLlmConfigured: Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL),
    channelLimits: { free: 5, pro: 25, premium: 100 },
    youtube: parseYouTubeConfig(env, publicUrl),
    autopilotLeadMinutes: z.int(env, 'AUTOPILOT_LEAD_MINUTES', 360),
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

/** RATE_LIMITS="default=100/60,auth=5/60" overrides the seed's limits per class (limit/window seconds). */
function parseRateLimits(raw: string | undefined): Config['rateLimits'] {
  const limits = { ...RATE_LIMITS }
  if (!raw) return limits
  for (const part of raw.split(',')) {
    const m = part.trim().match(/^(\w+)=(\d+)\/(\d+)$/)
    if (!m || !(m[1]! in limits))
      throw new Error(
        `RATE_LIMITS entry "${part}" must be <class>=<limit>/<window seconds> with class one of ${Object.keys(limits).join(', ')}`,
      )
    limits[m[1] as RateLimitClass] = { limit: Number(m[2]), windowS: Number(m[3]) }
  }
  return limits
}
