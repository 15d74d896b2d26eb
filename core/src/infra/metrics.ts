import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client'

export interface Metrics {
  registry: Registry
  httpDuration: Histogram<'method' | 'route' | 'status'>
  cacheHits: Counter<'layer'>
  cacheMisses: Counter
  rateLimited: Counter<'class'>
  /** Worker reports about videos this installation does not know (kept in unknown_video_reports). */
  unknownVideoReports: Counter
  /** Videos the sweeper settled (their job was gone), by what it did. */
  videosSwept: Counter<'outcome'>
}

// One registry per app instance, so two instances in one process (tests) do not collide.
export function createMetrics(opts: { defaults?: boolean } = {}): Metrics {
  const registry = new Registry()
  if (opts.defaults) collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpDuration: new Histogram({
      name: 'http_request_duration_seconds',
      help: 'HTTP request latency by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    cacheHits: new Counter({
      name: 'cache_hits_total',
      help: 'Response cache hits by layer (memory, redis)',
      labelNames: ['layer'],
      registers: [registry],
    }),
    cacheMisses: new Counter({ name: 'cache_misses_total', help: 'Response cache misses', registers: [registry] }),
    rateLimited: new Counter({
      name: 'rate_limit_rejections_total',
      help: 'Requests refused with 429 by class',
      labelNames: ['class'],
      registers: [registry],
    }),
    unknownVideoReports: new Counter({
      name: 'video_reports_unknown_total',
      help: 'Worker reports about a video this installation does not know (kept, listed for admins)',
      registers: [registry],
    }),
    videosSwept: new Counter({
      name: 'videos_swept_total',
      help: 'Videos whose job no longer existed, settled by the sweeper (redispatched, failed-unreported, completion-lost, jobs-lost)',
      labelNames: ['outcome'],
      registers: [registry],
    }),
  }
}
