import type { Deps } from '../../deps'
import type { VideoService } from './service'

/** A database that does not answer a trivial query within this long is taken for down. */
const OUTAGE_PROBE_TIMEOUT_MS = 2000

/**
 * Consumes the workers' reports (`video-events`) and records every state change in PostgreSQL, one at
 * a time in the order they were made. Runs in each core instance; BullMQ hands each event to one of
 * them. While PostgreSQL is down, reports wait in Redis (config.events.outageRetry); a report that
 * fails with the database up is retried by BullMQ and then kept in the failed set, never dropped.
 */
export function startVideoEventConsumer(deps: Deps, videos: VideoService) {
  return deps.pipeline.consumeEvents(
    async (event, eventKey) => {
      await videos.recordEvent(event, eventKey)
    },
    {
      outageRetry: deps.config.events.outageRetry,
      isOutage: async () => {
        let timer: ReturnType<typeof setTimeout> | undefined
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer')), OUTAGE_PROBE_TIMEOUT_MS)
        })
        try {
          await Promise.race([deps.database.ping(), timeout])
          return false
        } catch {
          return true
        } finally {
          clearTimeout(timer)
        }
      },
      onOutage: (pauseMs) =>
        pauseMs === null
          ? deps.log.info('PostgreSQL is back: applying the reports that waited')
          : deps.log.warn({ pauseMs }, 'PostgreSQL is unreachable: worker reports wait in the queue'),
      onError: (err, eventKey) =>
        eventKey
          ? deps.log.error({ err, eventJob: eventKey }, 'could not record a video event')
          : deps.log.error({ err }, 'video event consumer error'),
    },
  )
}
