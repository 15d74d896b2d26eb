// Final failures: the workers add one job per failed video to `dead-letter`; an operator lists and re-drives them.

import type { DeadLetterEntry } from '../jobs'
import { QUEUE_PREFIX, QUEUES } from '../pipeline'
import type { RedisConnection } from '../redis'
import { type DispatchOptions, dispatchVideo, type PipelineOptions, removeVideoJobs } from './dispatch'
import { pipelineQueue } from './queues'

export type DeadLetterRecord = Omit<DeadLetterEntry, 'id'>

/** Adds a dead letter. `id` is deterministic, so a repeated failure notice adds nothing. */
export async function addDeadLetter(
  connection: RedisConnection,
  entry: DeadLetterRecord,
  id: string,
  opts: PipelineOptions = {},
): Promise<string> {
  const job = await pipelineQueue(connection, QUEUES.deadLetter, opts.prefix ?? QUEUE_PREFIX).add('dead-letter', entry, { jobId: id })
  return job.id ?? id
}

export async function listDeadLetters(
  connection: RedisConnection,
  opts: PipelineOptions & { start?: number; end?: number } = {},
): Promise<DeadLetterEntry[]> {
  const queue = pipelineQueue(connection, QUEUES.deadLetter, opts.prefix ?? QUEUE_PREFIX)
  const jobs = await queue.getJobs(['waiting', 'prioritized'], opts.start ?? 0, opts.end ?? 99)
  return jobs.filter((j) => j?.id).map((j) => ({ ...(j.data as DeadLetterRecord), id: j.id! }))
}

export async function getDeadLetter(
  connection: RedisConnection,
  id: string,
  opts: PipelineOptions = {},
): Promise<DeadLetterEntry | undefined> {
  const job = await pipelineQueue(connection, QUEUES.deadLetter, opts.prefix ?? QUEUE_PREFIX).getJob(id)
  return job?.id ? { ...(job.data as DeadLetterRecord), id: job.id } : undefined
}

/**
 * Runs a dead-lettered video again: removes its old stage jobs and dispatches it anew under the
 * same job id. Stages reuse artifacts already in storage (script, voice), so work is not redone.
 */
export async function redriveDeadLetter(
  connection: RedisConnection,
  deadLetterJobId: string,
  opts: Omit<DispatchOptions, 'jobId'> = {},
): Promise<{ jobId: string }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  const entry = await pipelineQueue(connection, QUEUES.deadLetter, prefix).getJob(deadLetterJobId)
  if (!entry) throw new Error(`dead-letter job ${deadLetterJobId} not found`)
  const { video } = entry.data as DeadLetterRecord
  await removeVideoJobs(connection, video.videoId, prefix)
  const result = await dispatchVideo(connection, video, opts)
  await entry.remove()
  return result
}

/** Removes the dead letters of these videos (their job, the owner's script, is personal data). Returns how many. */
export async function removeDeadLettersOf(
  connection: RedisConnection,
  videoIds: readonly string[],
  opts: PipelineOptions = {},
): Promise<number> {
  const ids = new Set(videoIds)
  const queue = pipelineQueue(connection, QUEUES.deadLetter, opts.prefix ?? QUEUE_PREFIX)
  let removed = 0
  let start = 0
  const PAGE = 500
  for (;;) {
    // Dead letters are added without a priority: they all wait in one list.
    const jobs = await queue.getJobs(['waiting'], start, start + PAGE - 1)
    let kept = 0
    for (const job of jobs) {
      if (job && ids.has((job.data as DeadLetterRecord).videoId)) {
        await job.remove()
        removed++
      } else kept++
    }
    if (jobs.length < PAGE) return removed
    start += kept // the removed ones no longer take a place in the list
  }
}
