import { QUEUES, type VideoEvent } from '@ytempire/render/contract'
import { Worker } from 'bullmq'
import type { Deps } from '../../deps'
import type { VideoService } from './service'

/**
 * Consumes the workers' reports (`video-events`) and records every state change in PostgreSQL.
 * Runs in each core instance; BullMQ hands each event to one of them. A failed write is retried
 * by BullMQ rather than lost.
 */
export function startVideoEventConsumer(deps: Deps, videos: VideoService) {
  const worker = new Worker<VideoEvent>(
    QUEUES.events,
    async (job) => {
      await videos.recordEvent(job.data, `${job.queueName}:${job.id}`)
    },
    {
      connection: deps.queue,
      prefix: deps.config.queuePrefix,
      concurrency: 8,
      removeOnComplete: { age: 3600, count: 10_000 },
      removeOnFail: { age: 7 * 24 * 3600 },
    },
  )
  worker.on('failed', (job, err) => deps.log.error({ err, eventJob: job?.id }, 'could not record a video event'))
  worker.on('error', (err) => deps.log.error({ err }, 'video event consumer error'))
  return { close: () => worker.close() }
}
