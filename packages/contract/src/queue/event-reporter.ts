// How the workers report every state change: one job per event on `video-events`, which the core consumes.
import { Queue } from 'bullmq'
import type { UnstampedVideoEvent, VideoEvent } from '../events'
import { QUEUE_PREFIX, QUEUES } from '../pipeline'
import type { RedisConnection } from '../redis'

/** Reports kept after handling, to look into; the core's database is the record. */
const KEEP_EVENT_JOBS = { count: 10_000 }
/** Adding a report is retried on its own when Redis hiccups, not by failing the stage. */
const REPORT_RETRY = { attempts: 5, backoff: { type: 'exponential', delay: 1000 } }

export class EventReporter {
  private readonly queue: Queue

  constructor(connection: RedisConnection, prefix = QUEUE_PREFIX) {
    this.queue = new Queue(QUEUES.events, { connection, prefix })
  }

  /** Stamps the event with the time now and queues it; the queue retries a failed add itself. */
  async report(event: UnstampedVideoEvent): Promise<void> {
    const stamped = { ...event, at: new Date().toISOString() } as VideoEvent
    await this.queue.add(stamped.type, stamped, {
      removeOnComplete: KEEP_EVENT_JOBS,
      removeOnFail: KEEP_EVENT_JOBS,
      ...REPORT_RETRY,
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
