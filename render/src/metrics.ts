import type { QueueFigures } from '@ytempire/contract/queue'
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client'

export const registry = new Registry()
collectDefaultMetrics({ register: registry, prefix: 'ytempire_render_' })

/** 1 for the H.264 encoder this worker chose (label), so a fleet shows which hosts use NVENC. */
export const encoderInfo = new Gauge({
  name: 'ytempire_render_video_encoder',
  help: 'H.264 encoder chosen by this worker (value 1 on the chosen label)',
  labelNames: ['encoder'] as const,
  registers: [registry],
})

export const stageDuration = new Histogram({
  name: 'ytempire_render_stage_duration_seconds',
  help: 'Wall time of one stage attempt',
  labelNames: ['stage', 'outcome'] as const,
  buckets: [0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600],
  registers: [registry],
})

export const stageJobs = new Counter({
  name: 'ytempire_render_stage_jobs_total',
  help: 'Stage attempts by outcome',
  labelNames: ['stage', 'outcome'] as const,
  registers: [registry],
})

export const renderSpeed = new Gauge({
  name: 'ytempire_render_last_speed_ratio',
  help: 'Output seconds per wall second of the last render',
  registers: [registry],
})

export const youtubeUploadBytes = new Counter({
  name: 'ytempire_render_youtube_upload_bytes_total',
  help: 'Bytes sent to YouTube by resumable uploads (resent bytes after an interruption count again)',
  registers: [registry],
})

export const youtubePublishes = new Counter({
  name: 'ytempire_render_youtube_publish_attempts_total',
  help: 'Publish job attempts by outcome: published, waiting, paused, failed',
  labelNames: ['outcome'] as const,
  registers: [registry],
})

/** The causes a failed stage attempt is counted under: the worker's own error classes, `other` for the rest. */
export const FAILURE_REASONS = [
  'ConfigError',
  'CoreUnavailableError',
  'FfmpegError',
  'InvalidInputError',
  'ProviderError',
  'ProviderRejectedError',
  'PublishRefusedError',
  'RenderPlanError',
  'RenderTimeoutError',
  'StageTimeoutError',
  'ToolTimeoutError',
  'UnsafeUrlError',
  'WorkerStoppedError',
  'YouTubeApiError',
  'other',
] as const
export type FailureReason = (typeof FAILURE_REASONS)[number]

/** The error's class among FAILURE_REASONS (a label must stay a small set: never a message or an outside string). */
export function failureReason(err: unknown): FailureReason {
  const name = (err as { name?: unknown })?.name
  return (FAILURE_REASONS as readonly unknown[]).includes(name) && name !== 'other' ? (name as FailureReason) : 'other'
}

export const stageFailures = new Counter({
  name: 'ytempire_render_failures_total',
  help: 'Failed stage attempts by stage and cause (the error class)',
  labelNames: ['stage', 'reason'] as const,
  registers: [registry],
})

/** Google's `errors[0].reason` values a label may take; any other is `other`. */
export const YOUTUBE_ERROR_REASONS = [
  'quotaExceeded',
  'uploadLimitExceeded',
  'rateLimitExceeded',
  'userRateLimitExceeded',
  'forbidden',
  'notFound',
  'videoNotFound',
  'invalidCredentials',
  'authError',
  'badRequest',
  'invalidValue',
  'backendError',
  'other',
  'none',
] as const

export const youtubeApiErrors = new Counter({
  name: 'ytempire_youtube_api_errors_total',
  help: "Failed YouTube API calls by Google's reason (errors[0].reason; `other` for the rest, `none` without one)",
  labelNames: ['reason'] as const,
  registers: [registry],
})

export function countYouTubeError(reason: string | undefined): void {
  youtubeApiErrors.inc({ reason: youtubeErrorLabel(reason) })
}

export function youtubeErrorLabel(reason: string | undefined): (typeof YOUTUBE_ERROR_REASONS)[number] {
  if (!reason) return 'none'
  return (YOUTUBE_ERROR_REASONS as readonly string[]).includes(reason) ? (reason as (typeof YOUTUBE_ERROR_REASONS)[number]) : 'other'
}

// The queues, read from Redis when Prometheus scrapes (every worker reports the same figures: rules use max by queue).
let readQueues: (() => Promise<QueueFigures[]>) | undefined
let lastRead: { at: number; figures: Promise<QueueFigures[]> } | undefined
/** A scrape answers without the queue figures rather than late or not at all (Redis failing over). */
const QUEUE_READ_TIMEOUT_MS = 2000
/** One Redis read per scrape for all four gauges. */
function queueFigures(): Promise<QueueFigures[]> {
  const read = readQueues
  if (!read) return Promise.resolve([])
  const now = Date.now()
  if (!lastRead || now - lastRead.at > 1000) {
    let timer: ReturnType<typeof setTimeout> | undefined
    const timeout = new Promise<QueueFigures[]>((resolve) => (timer = setTimeout(() => resolve([]), QUEUE_READ_TIMEOUT_MS)))
    const figures = Promise.race([read().catch(() => []), timeout]).finally(() => clearTimeout(timer))
    lastRead = { at: now, figures }
  }
  return lastRead.figures
}

/** Makes the queue gauges read the queues through `read` (the pipeline's connection); undefined stops it. */
export function watchQueues(read: (() => Promise<QueueFigures[]>) | undefined): void {
  readQueues = read
  lastRead = undefined
}

/** A gauge with one value a queue, taken from the queue figures when Prometheus scrapes. */
function queueGauge(metric: string, help: string, figure: (queue: QueueFigures, now: number) => number): void {
  new Gauge({
    name: metric,
    help,
    labelNames: ['queue'] as const,
    registers: [registry],
    async collect() {
      const figures = await queueFigures()
      const now = Date.now()
      this.reset()
      for (const f of figures) this.set({ queue: f.queue }, figure(f, now))
    },
  })
}

queueGauge('ytempire_queue_waiting_jobs', 'Jobs waiting (waiting + prioritized + delayed) by queue', (f) => f.waiting)
queueGauge('ytempire_queue_active_jobs', 'Jobs being processed by queue', (f) => f.active)
queueGauge(
  'ytempire_queue_oldest_job_age_seconds',
  'Age of the oldest job ready to run (waiting or prioritized) by queue; 0 when none waits',
  (f, now) => (f.oldestWaitingAt === undefined ? 0 : Math.max(0, (now - f.oldestWaitingAt) / 1000)),
)

new Gauge({
  name: 'ytempire_dead_letters',
  help: 'Videos in the dead-letter queue, not re-driven yet',
  registers: [registry],
  async collect() {
    const dead = (await queueFigures()).find((f) => f.queue === 'dead-letter')
    this.reset()
    if (dead) this.set(dead.waiting)
  },
})
