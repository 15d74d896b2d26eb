// The other end of the reporter: the core records each event; tests keep them in memory.
import { Worker } from 'bullmq'
import type { VideoEvent } from '../events'
import { QUEUE_PREFIX, QUEUES } from '../pipeline'
import type { RedisConnection } from '../redis'
import { KEEP_FAILED_JOBS } from './queues'

/** Handled events stay an hour (at most 10,000) for a look; each is recorded in the core's database. */
const KEEP_HANDLED_EVENTS = { age: 3600, count: 10_000 }

export interface VideoEventConsumer {
  close(): Promise<void>
}

export interface ConsumeOptions {
  prefix?: string
  /** Events handled at once by this consumer (default 1: in arrival order). */
  concurrency?: number
  /** A handler that threw: the event is retried by BullMQ rather than lost. */
  onError?: (err: Error, eventKey: string | undefined) => void
}

/**
 * Hands every event to `handle` with a key unique to that event (its queue and job id), so a
 * redelivered event can be recognised. Each event goes to one consumer of the prefix.
 */
export function consumeVideoEvents(
  connection: RedisConnection,
  handle: (event: VideoEvent, eventKey: string) => Promise<void>,
  opts: ConsumeOptions = {},
): VideoEventConsumer {
  const worker = new Worker<VideoEvent>(QUEUES.events, (job) => handle(job.data, `${job.queueName}:${job.id}`), {
    connection,
    prefix: opts.prefix ?? QUEUE_PREFIX,
    concurrency: opts.concurrency ?? 1,
    removeOnComplete: KEEP_HANDLED_EVENTS,
    removeOnFail: KEEP_FAILED_JOBS,
  })
  worker.on('failed', (job, err) => opts.onError?.(err, job ? `${job.queueName}:${job.id}` : undefined))
  worker.on('error', (err) => opts.onError?.(err, undefined))
  return { close: () => worker.close() }
}
