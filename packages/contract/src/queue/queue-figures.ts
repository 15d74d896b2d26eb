// What the queues hold right now, for the workers' metrics (read at scrape time, never on a timer).
import { QUEUE_PREFIX, QUEUES, STAGES } from '../pipeline'
import { PLAN_PRIORITY } from '../plans'
import type { RedisConnection } from '../redis'
import { pipelineQueue } from './queues'

/** A queue as the metrics name it: its stage, `events` or `dead-letter` (docs/metrics.md). */
export const QUEUE_LABELS = [...STAGES, 'events', 'dead-letter'] as const
export type QueueLabel = (typeof QUEUE_LABELS)[number]

const QUEUE_OF: Record<QueueLabel, string> = {
  ...(Object.fromEntries(STAGES.map((s) => [s, QUEUES[s]])) as Record<(typeof STAGES)[number], string>),
  events: QUEUES.events,
  'dead-letter': QUEUES.deadLetter,
}

export interface QueueFigures {
  queue: QueueLabel
  /** waiting + prioritized + delayed (retries waiting out a backoff, publishes waiting for the quota) */
  waiting: number
  active: number
  /** When the oldest job ready to run was added (epoch ms); undefined when none waits. Delayed jobs do not count: they wait on purpose. */
  oldestWaitingAt?: number
}

/**
 * BullMQ keeps prioritized jobs in one sorted set scored `priority * 2^32 + counter`: the head of each
 * plan's band is that plan's oldest job (a free plan's video can wait behind premium ones, so the
 * set's overall head is not the oldest).
 */
const BAND = 0x100000000
const PRIORITIES = [...new Set(Object.values(PLAN_PRIORITY))]

async function oldestWaiting(connection: RedisConnection, name: string, prefix: string): Promise<number | undefined> {
  const queue = pipelineQueue(connection, name, prefix)
  const prioritized = queue.keys.prioritized!
  const heads = await Promise.all([
    queue.getJobs(['wait'], 0, 0, true).then((jobs) => jobs.map((j) => j?.id)),
    ...PRIORITIES.map((p) => connection.zrangebyscore(prioritized, p * BAND, (p + 1) * BAND - 1, 'LIMIT', 0, 1)),
  ])
  const ids = heads.flat().filter((id): id is string => Boolean(id))
  const jobs = await Promise.all(ids.map((id) => queue.getJob(id)))
  const times = jobs.map((j) => j?.timestamp ?? 0).filter((t) => t > 0)
  return times.length ? Math.min(...times) : undefined
}

/** Counts and the oldest waiting job of every pipeline queue. */
export async function readQueueFigures(connection: RedisConnection, prefix = QUEUE_PREFIX): Promise<QueueFigures[]> {
  return Promise.all(
    QUEUE_LABELS.map(async (label) => {
      const name = QUEUE_OF[label]
      const [counts, oldestWaitingAt] = await Promise.all([
        pipelineQueue(connection, name, prefix).getJobCounts('wait', 'prioritized', 'delayed', 'active'),
        oldestWaiting(connection, name, prefix),
      ])
      return {
        queue: label,
        waiting: (counts.wait ?? 0) + (counts.prioritized ?? 0) + (counts.delayed ?? 0),
        active: counts.active ?? 0,
        oldestWaitingAt,
      }
    }),
  )
}
