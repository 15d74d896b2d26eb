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
