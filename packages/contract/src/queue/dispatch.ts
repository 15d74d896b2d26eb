// Adding, cancelling and removing a video's jobs.

import type { VideoJob } from '../jobs'
import { DEFAULT_RETRY, PIPELINE, QUEUE_PREFIX } from '../pipeline'
import type { RedisConnection } from '../redis'
import { traceCarrier } from '../tracing'
import { cancelKey, pipelineQueue, stageJobId, stageJobOptions } from './queues'

export interface PipelineOptions {
  /** BullMQ key prefix (QUEUE_PREFIX); tests use their own. */
  prefix?: string
}

export interface DispatchOptions extends PipelineOptions {
  /** Defaults to the videoId, which makes dispatch idempotent. */
  jobId?: string
  /** The video's retry policy, for every stage without its own: attempts (default 3) and first backoff (default 5 s). */
  attempts?: number
  backoffMs?: number
}

/** A video stays cancelled this long for workers that pick up one of its jobs later. */
const CANCEL_TTL_S = 7 * 24 * 3600

/**
 * Enqueues a video's entry stage as a new run (a fresh `runId`). Idempotent: a second call with the
 * same videoId (job id) while the first job still exists adds nothing. Clears a stale cancel flag.
 */
export async function dispatchVideo(connection: RedisConnection, job: VideoJob, opts: DispatchOptions = {}): Promise<{ jobId: string }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  const jobId = opts.jobId ?? stageJobId(job.videoId, PIPELINE.entry)
  const retry = PIPELINE.retryOf(PIPELINE.entry, {
    attempts: opts.attempts ?? DEFAULT_RETRY.attempts,
    backoffMs: opts.backoffMs ?? DEFAULT_RETRY.backoffMs,
  })
  await connection.del(cancelKey(job.videoId, prefix))
  // The dispatch's trace (the core's outbox span) goes with the job: every stage's span joins it.
  const trace = traceCarrier()
  const run: VideoJob = { ...job, runId: crypto.randomUUID().slice(0, 8), trace }
  const added = await pipelineQueue(connection, PIPELINE.spec[PIPELINE.entry].queue, prefix).add(PIPELINE.entry, run, {
    ...stageJobOptions(job.plan, retry),
    jobId,
  })
  return { jobId: added.id ?? jobId }
}

/**
 * Runs the publish stage alone for a video rendered earlier (published afterwards, or again after a
 * reconnect). `round` counts the video's publish requests, so each gets a job of its own. The stage
 * reads the files named in `job.publish.files`; the video's completion was reported long ago.
 */
export async function dispatchPublish(
  connection: RedisConnection,
  job: VideoJob,
  round: number,
  opts: PipelineOptions = {},
): Promise<{ jobId: string }> {
  if (!job.publish?.files) throw new Error('a publish on its own needs job.publish.files')
  const prefix = opts.prefix ?? QUEUE_PREFIX
  const jobId = `${stageJobId(job.videoId, 'publish')}.${round}`
  // Each round is a run of its own: its reports must not be taken for an earlier round's.
  const data: StandaloneStageData = { video: { ...job, runId: `p${round}`, trace: traceCarrier() }, upstream: {}, standalone: true }
  await pipelineQueue(connection, PIPELINE.spec.publish.queue, prefix).add('publish', data, {
    ...stageJobOptions(job.plan, PIPELINE.retryOf('publish', DEFAULT_RETRY)),
    jobId,
  })
  return { jobId }
}

/** The data of a stage job run outside a flow: no earlier stage hands it anything. */
export interface StandaloneStageData {
  video: VideoJob
  upstream: Record<string, never>
  standalone: true
}

/**
 * Cancels a video: sets the cancel flag (running stages poll it and stop, then report
 * `video.cancelled`) and removes the video's jobs that are not running.
 */
export async function cancelVideo(connection: RedisConnection, videoId: string, opts: PipelineOptions = {}): Promise<{ removed: number }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  await connection.set(cancelKey(videoId, prefix), '1', 'EX', CANCEL_TTL_S)
  return { removed: await removeVideoJobs(connection, videoId, prefix) }
}

export async function isCancelled(connection: RedisConnection, videoId: string, prefix = QUEUE_PREFIX): Promise<boolean> {
  return (await connection.exists(cancelKey(videoId, prefix))) === 1
}

/** Removes every not-running stage job of a video; a running (locked) one is left to the cancel flag. */
export async function removeVideoJobs(connection: RedisConnection, videoId: string, prefix = QUEUE_PREFIX): Promise<number> {
  let removed = 0
  // A flow's parent first: removing it removes its children too.
  for (const stage of PIPELINE.removalOrder) {
    const job = await pipelineQueue(connection, PIPELINE.spec[stage].queue, prefix).getJob(stageJobId(videoId, stage))
    if (!job) continue
    try {
      await job.remove({ removeChildren: true })
      removed++
    } catch {
      // active (locked) jobs cannot be removed; the cancel flag stops them
    }
  }
  return removed
}

/**
 * Forgets videos whose owner was erased (or that were deleted): each gets the cancel flag (a running
 * stage stops, and takes back a file it was writing), and every job of theirs that is not running,
 * finished ones included, goes with its data (scripts, user ids). Returns how many jobs went.
 */
export async function forgetVideos(connection: RedisConnection, videoIds: readonly string[], prefix = QUEUE_PREFIX): Promise<number> {
  let removed = 0
  for (const videoId of videoIds) removed += (await cancelVideo(connection, videoId, { prefix })).removed
  return removed
}

/**
 * Removes a cancelled video's jobs once none of them runs. A flow's parent cannot go while a child is
 * locked, and the stages of a video stop one after another (each at its next poll of the cancel
 * flag): whichever stops last finds the others gone or stopped. Tries `tries` times, `delayMs` apart;
 * answers whether nothing of the video is left.
 */
export async function removeStoppedVideoJobs(
  connection: RedisConnection,
  videoId: string,
  prefix = QUEUE_PREFIX,
  tries = 10,
  delayMs = 500,
): Promise<boolean> {
  for (let i = 0; i < tries; i++) {
    await removeVideoJobs(connection, videoId, prefix)
    let left = false
    for (const stage of PIPELINE.removalOrder)
      if (await pipelineQueue(connection, PIPELINE.spec[stage].queue, prefix).getJob(stageJobId(videoId, stage))) left = true
    if (!left) return true
    await new Promise((resolve) => setTimeout(resolve, delayMs))
  }
  return false
}
