// The other end of the reporter: the core records each event; tests keep them in memory.
import { Queue, Worker } from 'bullmq'
import type { VideoEvent } from '../events'
import { QUEUE_PREFIX, QUEUES } from '../pipeline'
import type { RedisConnection } from '../redis'
import { KEEP_FAILED_JOBS, quietQueue } from './queues'

/** Handled events stay an hour (at most 10,000) for a look; each is recorded in the core's database. */
const KEEP_HANDLED_EVENTS = { age: 3600, count: 10_000 }

/** While the store is down the queue pauses: first for `firstMs`, doubling up to `maxMs`, for as long as it lasts. */
export interface OutageRetry {
  firstMs: number
  maxMs: number
}

export interface VideoEventConsumer {
  close(): Promise<void>
}

export interface ConsumeOptions {
  prefix?: string
  /** A handler that threw: the event is retried by BullMQ rather than lost. */
  onError?: (err: Error, eventKey: string | undefined) => void
  /**
   * Tells a failure of the store behind `handle` (the database is down) from a failure of the event.
   * During an outage the event goes back to the head of the queue, spending none of its attempts, and
   * every consumer of the prefix pauses (`outageRetry`); reports wait in Redis however long it lasts.
   */
  isOutage?: (err: Error) => Promise<boolean>
  outageRetry?: OutageRetry
  /** An outage began (the pause, ms) or ended. */
  onOutage?: (pauseMs: number | null) => void
}

/**
 * Hands every event to `handle` with the key of its queue job, which identifies a report queued by an
 * older worker without an `id` of its own. One event at a time across every consumer of the prefix
 * (the queue's global concurrency is 1), so reports are applied in the order they were made.
 */
export function consumeVideoEvents(
  connection: RedisConnection,
  handle: (event: VideoEvent, eventKey: string) => Promise<void>,
  opts: ConsumeOptions = {},
): VideoEventConsumer {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  const queue = quietQueue(new Queue(QUEUES.events, { connection, prefix }))
  const ordered = queue.setGlobalConcurrency(1)
  const retry = opts.outageRetry ?? { firstMs: 1000, maxMs: 30_000 }
  let outages = 0
  const worker = new Worker<VideoEvent>(
    QUEUES.events,
    async (job) => {
      try {
        await handle(job.data, `${job.queueName}:${job.id}`)
        if (outages > 0) opts.onOutage?.(null)
        outages = 0
      } catch (err) {
        if (!(await opts.isOutage?.(err as Error))) throw err
        const pauseMs = Math.min(retry.maxMs, retry.firstMs * 2 ** outages++)
        opts.onOutage?.(pauseMs)
        await queue.rateLimit(pauseMs)
        throw Worker.RateLimitError()
      }
    },
    {
      connection,
      prefix,
      concurrency: 1,
      autorun: false,
      removeOnComplete: KEEP_HANDLED_EVENTS,
      removeOnFail: KEEP_FAILED_JOBS,
    },
  )
  worker.on('failed', (job, err) => opts.onError?.(err, job ? `${job.queueName}:${job.id}` : undefined))
  worker.on('error', (err) => opts.onError?.(err, undefined))
  void ordered.then(
    () => worker.run(),
    (err) => opts.onError?.(err as Error, undefined),
  )
  return {
    async close() {
      await worker.close()
      await queue.close()
    },
  }
}
