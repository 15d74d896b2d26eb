import type { Deps } from '../../deps'
import { ANALYTICS_QUEUE, type AnalyticsJob, type AnalyticsService } from './service'

/** Consumes analytics runs and the WebSub sweep in each core instance (BullMQ hands each job to one). */
export async function startAnalyticsWorker(deps: Deps, analytics: AnalyticsService) {
  await analytics.start()
  const worker = deps.jobs.worker<AnalyticsJob>(ANALYTICS_QUEUE, (job) => analytics.process(job.data), {
    concurrency: deps.config.analytics.concurrency,
  })
  worker.on('failed', (job, err) => deps.log.warn({ err, job: job?.data }, 'analytics job failed'))
  worker.on('error', (err) => deps.log.error({ err }, 'analytics worker error'))
  return { close: () => worker.close() }
}
