// Every environment variable the render workers read, read once here and passed in from main.ts.
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { QUEUE_PREFIX, VOICE_PROVIDERS, type VoiceProvider } from '@ytempire/contract'
import { keyPrefixFor, type RedisTarget, redisTargetFromEnv } from '@ytempire/contract/redis'
import type { TracingConfig } from '@ytempire/contract/tracing'
import { type StorageConfig, storageConfigFromEnv } from '@ytempire/storage'
import { ConfigError } from './errors'

export type EncoderChoice = 'auto' | 'nvenc' | 'libx264'

export interface RenderConfig {
  /** REDIS_URL, or REDIS_SENTINELS / REDIS_CLUSTER_NODES (docs/operations.md, "High availability"). */
  redis: RedisTarget
  /** Hash-tagged ("{ytempire}") in cluster mode, so a flow's keys share one slot. */
  /** QUEUE_PREFIX; unset, the installation's namespace, read from the artifact store at start (installation.ts). */
  queuePrefix: string
  queuePrefixFromInstallation: boolean
  storage: StorageConfig
  tmpDir: string
  logLevel: string
  metricsPort: number | null
  /** OpenTelemetry traces (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME); no endpoint = off. */
  tracing: TracingConfig

  renderConcurrency: number
  stageConcurrency: number
  lockDurationMs: number
  stalledIntervalMs: number
  shutdownGraceMs: number
  cancelPollMs: number

  openai: { baseURL?: string; apiKey?: string; scriptModel: string; ttsModel: string; ttsVoice: string }
  /** true when an LLM is configured; otherwise a job must carry its script */
  llmEnabled: boolean
  elevenlabs: { baseURL: string; apiKey?: string; voiceId: string; modelId: string }
  pexels: { baseURL: string; apiKey?: string }
  pixabay: { baseURL: string; apiKey?: string }
  voiceProvider: VoiceProvider
  espeakVoice: string

  media: { maxBytes: number; timeoutMs: number; allowPrivateHosts: boolean }

  /** Publish jobs ask the core (CORE_URL) for access tokens and record every step there. */
  coreUrl: string
  youtube: {
    /** Data API and uploads (YOUTUBE_API_ROOT) */
    apiRoot: string
    /** resumable upload chunk, a multiple of 256 KiB (YOUTUBE_UPLOAD_CHUNK_BYTES) */
    chunkBytes: number
    /** consecutive failures (5xx, cut connections) before the attempt gives up; progress resets the count */
    maxRetries: number
    /** first backoff delay, doubled per consecutive failure */
    retryBaseMs: number
  }

  video: {
    encoder: EncoderChoice
    x264Preset: string
    x264Crf: number
    nvencPreset: string
    fps: number
    threads: number
    /** scale factor applied to the aspect's size (tests render small) */
    scale: number
    crossfadeS: number
    renderTimeoutS: number
    fontFile: string
    fontBoldFile: string
    loudnessLufs: number
    musicVolume: number
  }
}

type Env = Record<string, string | undefined>

function num(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isFinite(n) || n < min) throw new ConfigError(`${name} must be a number >= ${min}, got ${raw}`)
  return n
}

function oneOf<T extends string>(env: Env, name: string, allowed: readonly T[], fallback: T): T {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  if (!allowed.includes(raw as T)) throw new ConfigError(`${name} must be one of ${allowed.join('|')}, got ${raw}`)
  return raw as T
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  return ['1', 'true', 'yes', 'on'].includes(raw.toLowerCase())
}

const FONT_DIR = '/usr/share/fonts/truetype/dejavu'

/** YouTube takes resumable chunks in multiples of 256 KiB (only the last may be shorter). */
export const UPLOAD_CHUNK_UNIT = 256 * 1024

function uploadChunk(env: Env): number {
  const bytes = num(env, 'YOUTUBE_UPLOAD_CHUNK_BYTES', 32 * UPLOAD_CHUNK_UNIT, UPLOAD_CHUNK_UNIT)
  if (bytes % UPLOAD_CHUNK_UNIT !== 0)
    throw new ConfigError(`YOUTUBE_UPLOAD_CHUNK_BYTES must be a multiple of ${UPLOAD_CHUNK_UNIT} (256 KiB), got ${bytes}`)
  return bytes
}

export function loadConfig(env: Env = process.env): RenderConfig {
  let storage: StorageConfig
  try {
    storage = storageConfigFromEnv(env)
  } catch (e) {
    throw new ConfigError((e as Error).message)
  }

  const openaiKey = env.OPENAI_API_KEY || undefined
  const openaiBase = env.OPENAI_BASE_URL || undefined
  const metricsPort = env.RENDER_METRICS_PORT ? num(env, 'RENDER_METRICS_PORT', 0, 1) : null
  let redis: RedisTarget
  try {
    redis = redisTargetFromEnv(env)
  } catch (e) {
    throw new ConfigError((e as Error).message)
  }
  if (redis.mode === 'standalone') redis = { mode: 'standalone', url: redis.url ?? 'redis://127.0.0.1:6379' }

  return {
    redis,
    queuePrefix: keyPrefixFor(redis, env.QUEUE_PREFIX || QUEUE_PREFIX),
    queuePrefixFromInstallation: !env.QUEUE_PREFIX,
    storage,
    tmpDir: env.RENDER_TMP_DIR || join(tmpdir(), 'ytempire-render'),
    logLevel: env.LOG_LEVEL || 'info',
    metricsPort,
    tracing: { endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined, serviceName: env.OTEL_SERVICE_NAME || 'ytempire-render' },

    renderConcurrency: num(env, 'RENDER_CONCURRENCY', 1, 1),
    stageConcurrency: num(env, 'STAGE_CONCURRENCY', 4, 1),
    lockDurationMs: num(env, 'RENDER_LOCK_DURATION_MS', 30_000, 500),
    stalledIntervalMs: num(env, 'RENDER_STALLED_INTERVAL_MS', 30_000, 200),
    shutdownGraceMs: num(env, 'RENDER_SHUTDOWN_GRACE_S', 60, 0) * 1000,
    cancelPollMs: num(env, 'RENDER_CANCEL_POLL_MS', 250, 20),

    openai: {
      baseURL: openaiBase,
      apiKey: openaiKey,
      scriptModel: env.SCRIPT_MODEL || 'gpt-4o-mini',
      ttsModel: env.OPENAI_TTS_MODEL || 'gpt-4o-mini-tts',
      ttsVoice: env.OPENAI_TTS_VOICE || 'alloy',
    },
    llmEnabled: Boolean(openaiKey || openaiBase),
    elevenlabs: {
      baseURL: (env.ELEVENLABS_BASE_URL || 'https://api.elevenlabs.io').replace(/\/+$/, ''),
      apiKey: env.ELEVENLABS_API_KEY || undefined,
      voiceId: env.ELEVENLABS_VOICE_ID || '21m00Tcm4TlvDq8ikWAM',
      modelId: env.ELEVENLABS_MODEL_ID || 'eleven_multilingual_v2',
    },
    pexels: { baseURL: (env.PEXELS_BASE_URL || 'https://api.pexels.com').replace(/\/+$/, ''), apiKey: env.PEXELS_API_KEY || undefined },
    pixabay: { baseURL: (env.PIXABAY_BASE_URL || 'https://pixabay.com').replace(/\/+$/, ''), apiKey: env.PIXABAY_API_KEY || undefined },
    voiceProvider: oneOf(env, 'VOICE_PROVIDER', VOICE_PROVIDERS, 'espeak'),
    espeakVoice: env.ESPEAK_VOICE || '',

    coreUrl: (env.CORE_URL || 'http://127.0.0.1:3000').replace(/\/+$/, ''),
    youtube: {
      apiRoot: (env.YOUTUBE_API_ROOT || 'https://www.googleapis.com/').replace(/\/*$/, '/'),
      chunkBytes: uploadChunk(env),
      maxRetries: num(env, 'YOUTUBE_UPLOAD_RETRIES', 8, 0),
      retryBaseMs: num(env, 'YOUTUBE_UPLOAD_RETRY_BASE_MS', 1000, 1),
    },

    media: {
      maxBytes: num(env, 'MEDIA_MAX_BYTES', 200 * 1024 * 1024, 1),
      timeoutMs: num(env, 'MEDIA_FETCH_TIMEOUT_S', 60, 1) * 1000,
      allowPrivateHosts: bool(env, 'MEDIA_ALLOW_PRIVATE_HOSTS', false),
    },

    video: {
      encoder: oneOf(env, 'VIDEO_ENCODER', ['auto', 'nvenc', 'libx264'] as const, 'auto'),
      // no ultrafast: it drops CABAC and 8x8 transforms, so the stream would not be H.264 High
      x264Preset: oneOf(env, 'X264_PRESET', ['superfast', 'veryfast', 'faster', 'fast', 'medium', 'slow'] as const, 'veryfast'),
      x264Crf: num(env, 'X264_CRF', 21, 0),
      nvencPreset: env.NVENC_PRESET || 'p4',
      fps: num(env, 'VIDEO_FPS', 30, 1),
      threads: num(env, 'FFMPEG_THREADS', 0, 0),
      scale: num(env, 'VIDEO_SCALE', 1, 0.05),
      crossfadeS: num(env, 'VIDEO_CROSSFADE_S', 0.4, 0),
      renderTimeoutS: num(env, 'RENDER_TIMEOUT_S', 600, 1),
      fontFile: env.FONT_FILE || `${FONT_DIR}/DejaVuSans.ttf`,
      fontBoldFile: env.FONT_BOLD_FILE || `${FONT_DIR}/DejaVuSans-Bold.ttf`,
      loudnessLufs: num(env, 'VOICE_LOUDNESS_LUFS', -14, -70),
      musicVolume: num(env, 'MUSIC_VOLUME', 0.25, 0),
    },
  }
}
