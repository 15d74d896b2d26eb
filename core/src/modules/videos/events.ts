import type { Deps } from '../../deps'
import type { VideoService } from './service'

/** Worker reports recorded at once by one core instance: each is one transaction on a pooled connection. */
const EVENT_CONCURRENCY = 8

/**
 * Consumes the workers' reports (`video-events`) and records every state change in PostgreSQL.
 * Runs in each core instance; BullMQ hands each event to one of them. A failed write is retried
 * by BullMQ rather than lost.
 */
export function startVideoEventConsumer(deps: Deps, videos: VideoService) {
  return deps.pipeline.consumeEvents(
    async (event, eventKey) => {
      await videos.recordEvent(event, eventKey)
    },
    {
      concurrency: EVENT_CONCURRENCY,
      onError: (err, eventKey) =>
        eventKey
          ? deps.log.error({ err, eventJob: eventKey }, 'could not record a video event')
          : deps.log.error({ err }, 'video event consumer error'),
    },
  )
}
