// Queue names, job ids and job options shared by whoever adds pipeline jobs.
import { type JobsOptions, Queue } from 'bullmq'
import { PIPELINE, QUEUE_PREFIX, type RetryPolicy, type Stage } from '../pipeline'
import { PLAN_PRIORITY } from '../plans'
import type { RedisConnection } from '../redis'
import type { Plan } from '../values'

/** Fraction of each backoff delay randomised, so retries of many videos do not arrive together. */
export const BACKOFF_JITTER = 0.5

const DAY_S = 24 * 3600
/** Finished jobs stay findable a while (idempotent dispatch, re-drive); the record of truth is the core's database. */
export const KEEP_COMPLETED_JOBS = { age: DAY_S, count: 1000 }
export const KEEP_FAILED_JOBS = { age: 7 * DAY_S }

/** Redis key whose presence tells the workers to stop a video. */
export function cancelKey(videoId: string, prefix = QUEUE_PREFIX): string {
  return `${prefix}:cancel:${videoId}`
}

/** Stage job ids are derived from the video id, so re-running a stage never duplicates one. BullMQ ids cannot hold `:`. */
export function stageJobId(videoId: string, stage: Stage): string {
  return stage === PIPELINE.entry ? videoId : `${videoId}.${stage}`
}

/**
 * A BullMQ queue re-emits every error of its connection (a failover is a burst of them) and, with no
 * listener, prints each with its stack. The connection reports them already, one line per 10 s
 * (redis.ts), so the queue's copies are dropped.
 */
export function quietQueue<T extends { on(event: 'error', listener: (err: Error) => void): unknown }>(queue: T): T {
  queue.on('error', () => {})
  return queue
}

const queueCache = new WeakMap<RedisConnection, Map<string, Queue>>()

/** One Queue per (connection, prefix, name), reused across calls. */
export function pipelineQueue(connection: RedisConnection, name: string, prefix = QUEUE_PREFIX): Queue {
  let byName = queueCache.get(connection)
  if (!byName) {
    byName = new Map()
    queueCache.set(connection, byName)
  }
  const cacheKey = `${prefix}\u0000${name}`
  let queue = byName.get(cacheKey)
  if (!queue) {
    queue = quietQueue(new Queue(name, { connection, prefix }))
    byName.set(cacheKey, queue)
  }
  return queue
}

/** Closes the queues `pipelineQueue` made on this connection (the connection itself stays open). */
export async function closePipelineQueues(connection: RedisConnection): Promise<void> {
  const byName = queueCache.get(connection)
  queueCache.delete(connection)
  await Promise.all([...(byName?.values() ?? [])].map((q) => q.close()))
}

export function stageJobOptions(plan: Plan, retry: RetryPolicy): JobsOptions {
  return {
    priority: PLAN_PRIORITY[plan],
    attempts: retry.attempts,
    backoff: { type: 'exponential', delay: retry.backoffMs, jitter: BACKOFF_JITTER },
    removeOnComplete: KEEP_COMPLETED_JOBS,
    removeOnFail: KEEP_FAILED_JOBS,
  }
}

/** The retry policy a job was added with (the entry job carries the video's). */
export function retryPolicyOf(opts: JobsOptions): RetryPolicy {
  const { backoff } = opts
  const backoffMs = typeof backoff === 'object' ? backoff.delay : backoff
  return { attempts: opts.attempts ?? 1, backoffMs: backoffMs ?? 0 }
}
