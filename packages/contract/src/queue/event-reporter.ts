// How the workers report every state change: one job per event on `video-events`, which the core consumes.
import { Queue } from 'bullmq'
import type { UnstampedVideoEvent, VideoEvent } from '../events'
import { QUEUE_PREFIX, QUEUES } from '../pipeline'
import type { RedisConnection } from '../redis'
import { pipelineQueue, quietQueue } from './queues'

/** Reports kept after handling, to look into; the core's database is the record. */
const KEEP_EVENT_JOBS = { count: 10_000 }

/**
 * How often the core tries a report it could not apply although its database answers (a defect, not
 * an outage: while the database is down the consumer pauses and spends no attempt). 5 attempts from
 * 1 s, doubling: 1 + 2 + 4 + 8 s between them, then the report stays in the failed set for a look.
 */
export const REPORT_RETRY = { attempts: 5, backoffMs: 1000 }

export interface ReporterOptions {
  prefix?: string
  /** Tests shorten it. */
  retry?: { attempts: number; backoffMs: number }
}

export class EventReporter {
  private readonly queue: Queue
  private readonly retry: { attempts: number; backoffMs: number }

  constructor(connection: RedisConnection, { prefix = QUEUE_PREFIX, retry = REPORT_RETRY }: ReporterOptions = {}) {
    this.queue = quietQueue(new Queue(QUEUES.events, { connection, prefix }))
    this.retry = retry
  }

  /**
   * Stamps the event with the time now and queues it under its identity: a report added twice (a
   * retry after a timeout) is one job while Redis holds it, and one record in the core's database.
   */
  async report(event: UnstampedVideoEvent): Promise<void> {
    const stamped = { ...event, id: event.id ?? `${event.videoId}.${crypto.randomUUID()}`, at: new Date().toISOString() } as VideoEvent
    await this.queue.add(stamped.type, stamped, {
      jobId: stamped.id,
      removeOnComplete: KEEP_EVENT_JOBS,
      removeOnFail: KEEP_EVENT_JOBS,
      attempts: this.retry.attempts,
      backoff: { type: 'exponential', delay: this.retry.backoffMs },
    })
  }

  /** Reports queued but not yet taken by a consumer (tests wait for 0 before asserting what was reported). */
  async pending(): Promise<number> {
    const counts = await this.queue.getJobCounts('wait', 'prioritized', 'delayed', 'active')
    return Object.values(counts).reduce((a, b) => a + b, 0)
  }

  async close(): Promise<void> {
    await this.queue.close()
  }
}

/**
 * When the oldest report not yet handled was queued (epoch ms), or undefined when none waits. Reports
 * are handled in order, so every report queued before this has been handled (or failed for good).
 */
export async function oldestPendingReport(connection: RedisConnection, prefix = QUEUE_PREFIX): Promise<number | undefined> {
  const queue = pipelineQueue(connection, QUEUES.events, prefix)
  const [heads, retries] = await Promise.all([
    queue.getJobs(['active', 'wait', 'prioritized'], 0, 0, true),
    // Waiting for a retry, ordered by when they are due rather than when they were made.
    queue.getJobs(['delayed'], 0, 999, true),
  ])
  const times = [...heads, ...retries].filter((j) => j?.timestamp).map((j) => j.timestamp)
  return times.length ? Math.min(...times) : undefined
}
