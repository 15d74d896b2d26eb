import { Counter, Gauge, type Registry } from 'prom-client'

export interface YouTubeMetrics {
  quotaUnits: Counter<'bucket' | 'method'>
  publications: Counter<'outcome'>
  /** reads the ledger at scrape time, so every core instance reports the project's whole day */
  watchQuota(read: () => Promise<QuotaFigures[]>): void
}

type QuotaFigures = { bucket: string; limit: number; used: number; remaining: number }

export function createYouTubeMetrics(registry: Registry): YouTubeMetrics {
  let read: (() => Promise<QuotaFigures[]>) | undefined
  new Gauge({
    name: 'ytempire_youtube_quota_limit',
    help: 'YouTube quota units a day per bucket',
    labelNames: ['bucket'],
    registers: [registry],
    async collect() {
      for (const b of (await read?.()) ?? []) this.set({ bucket: b.bucket }, b.limit)
    },
  })
  new Gauge({
    name: 'ytempire_youtube_quota_used',
    help: "YouTube quota units used today (Pacific day) per bucket, for this installation's Google project",
    labelNames: ['bucket'],
    registers: [registry],
    async collect() {
      for (const b of (await read?.()) ?? []) this.set({ bucket: b.bucket }, b.used)
    },
  })
  new Gauge({
    name: 'ytempire_youtube_quota_remaining',
    help: 'YouTube quota units left today per bucket',
    labelNames: ['bucket'],
    registers: [registry],
    async collect() {
      for (const b of (await read?.()) ?? []) this.set({ bucket: b.bucket }, b.remaining)
    },
  })
  return {
    quotaUnits: new Counter({
      name: 'ytempire_youtube_quota_units_total',
      help: 'YouTube quota units reserved by this instance, by bucket and API method',
      labelNames: ['bucket', 'method'],
      registers: [registry],
    }),
    publications: new Counter({
      name: 'ytempire_youtube_uploads_total',
      help: 'Publish outcomes: published, failed, waiting_quota, waiting_upload_limit, paused, thumbnail_skipped',
      labelNames: ['outcome'],
      registers: [registry],
    }),
    watchQuota(fn) {
      read = fn
    },
  }
}
