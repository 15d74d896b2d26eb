/**
 * The render pipeline's contract with the core: queue names, job data, the events the workers
 * report, and the helpers the core calls (dispatch, cancel, dead letters, storage).
 * Kept light on purpose: it imports bullmq's Queue and the storage module, nothing else.
 */

import type { PublishRequest } from '@ytempire/contract'
import { type JobsOptions, Queue } from 'bullmq'
import type { Redis } from 'ioredis'

export { type ByteRange, createStorage, type Storage, type StorageConfig, type StoredObject, storageConfigFromEnv } from './storage/storage'

/** BullMQ key prefix: every key lives under `ytempire:<queue>:...`. */
export const QUEUE_PREFIX = 'ytempire'

export const QUEUES = {
  script: 'video-script',
  voice: 'video-voice',
  visuals: 'video-visuals',
  render: 'video-render',
  thumbnail: 'video-thumbnail',
  /** Workers add a job here for every state change; the core consumes it. */
  events: 'video-events',
  /** Final failures land here (BullMQ has no built-in DLQ); nothing consumes it automatically. */
  deadLetter: 'dead-letter',
} as const

export type Stage = 'script' | 'voice' | 'visuals' | 'render' | 'thumbnail'
export const STAGES: readonly Stage[] = ['script', 'voice', 'visuals', 'render', 'thumbnail']

export type Plan = 'free' | 'pro' | 'premium'
/** BullMQ runs lower numbers first. Every job gets one: unprioritised jobs would jump the queue. */
export const PLAN_PRIORITY: Record<Plan, number> = { premium: 1, pro: 5, free: 10 }

export type Aspect = '16:9' | '9:16' | '1:1'
export const ASPECT_SIZE: Record<Aspect, { width: number; height: number }> = {
  '16:9': { width: 1920, height: 1080 },
  '9:16': { width: 1080, height: 1920 },
  '1:1': { width: 1080, height: 1080 },
}

export type VisualSource = 'generated' | 'pexels' | 'pixabay' | 'uploads'
/** `highlight`: a few words at a time, the spoken word coloured; `plain`: same without colour; `none`. */
export type CaptionStyle = 'highlight' | 'plain' | 'none'
export type VoiceProvider = 'espeak' | 'openai' | 'elevenlabs'

export interface ScriptScene {
  narration: string
  /** Search terms for stock footage, and the typography on generated backgrounds. */
  keywords: string[]
}

export interface VideoScript {
  title: string
  description: string
  tags: string[]
  scenes: ScriptScene[]
}

export interface VideoJob {
  videoId: string
  userId: string
  channelId: string
  plan: Plan
  /** Needed when no script is given (the LLM writes one). */
  topic?: string
  /** Required when the workers have no LLM configured. */
  script?: VideoScript
  targetSeconds: number
  /** BCP-47-ish, e.g. `en`, `en-US`, `de`. */
  language: string
  voice: { provider?: VoiceProvider; voiceId?: string }
  visualSource: VisualSource
  /** Public http(s) URLs, or storage keys under `uploads/<userId>/`, used in scene order. */
  media?: string[]
  captionStyle: CaptionStyle
  aspect: Aspect
  /** Background music: a public URL or a storage key under `uploads/<userId>/`; ducked under the voice. */
  music?: string
  /** Overrides the script's title (thumbnail text, event payload). */
  title?: string
  /** With `topic` as the channel's niche: the LLM picks a fresh subject and must not reuse these titles. */
  avoidTitles?: string[]
  /** Publish to YouTube after the thumbnail; the grant lets the publish stage ask the core for what it needs. */
  publish?: PublishRequest
}

export interface Artifact {
  key: string
  contentType: string
  size: number
}

export type CostKind = 'llm_tokens' | 'tts_characters' | 'render_seconds' | 'storage_bytes'

export interface CostItem {
  stage: Stage
  kind: CostKind
  /** e.g. `gpt-4o-mini:input`, `elevenlabs`, `libx264:cpu`, `storage` */
  item: string
  quantity: number
  unit: 'token' | 'character' | 'cpu_second' | 'gpu_second' | 'byte_month'
  unitPriceUsd: number
  amountUsd: number
}

interface EventBase {
  videoId: string
  /** ISO-8601 time the worker observed the change. */
  at: string
}

export type VideoEvent =
  | (EventBase & { type: 'stage.started'; stage: Stage; attempt: number; worker: string })
  | (EventBase & { type: 'stage.progress'; stage: Stage; percent: number })
  | (EventBase & { type: 'stage.completed'; stage: Stage; durationMs: number; artifacts: Artifact[] })
  | (EventBase & { type: 'stage.failed'; stage: Stage; attempt: number; reason: string; willRetry: boolean })
  | (EventBase & { type: 'cost'; stage: Stage; items: CostItem[] })
  | (EventBase & {
      type: 'video.completed'
      title: string
      description: string
      tags: string[]
      durationS: number
      video: Artifact
      thumbnail: Artifact
      artifacts: Artifact[]
      /** wall time of each stage, ms */
      stageDurationsMs: Partial<Record<Stage, number>>
    })
  | (EventBase & { type: 'video.failed'; stage: Stage; reason: string; attempts: number; deadLetterJobId: string })
  | (EventBase & { type: 'video.cancelled'; stage: Stage })

export type VideoEventType = VideoEvent['type']

export interface DeadLetterEntry {
  /** the dead-letter job's id, what `redriveDeadLetter` takes */
  id: string
  videoId: string
  stage: Stage
  reason: string
  attempts: number
  failedAt: string
  video: VideoJob
}

/** How the core reaches the queues: its ioredis client, and the key prefix (tests use their own). */
export interface PipelineOptions {
  prefix?: string
}

export interface DispatchOptions extends PipelineOptions {
  /** Defaults to the videoId, which makes dispatch idempotent. */
  jobId?: string
  /** Attempts per stage (default 3) and the first backoff delay (default 5 s, exponential with jitter). */
  attempts?: number
  backoffMs?: number
}

export const DEFAULT_ATTEMPTS = 3
export const DEFAULT_BACKOFF_MS = 5_000
/** Fraction of each backoff delay randomised, so retries of many videos do not arrive together. */
export const BACKOFF_JITTER = 0.5
const CANCEL_TTL_S = 7 * 24 * 3600

/** Redis key whose presence tells the workers to stop a video. */
export function cancelKey(videoId: string, prefix = QUEUE_PREFIX): string {
  return `${prefix}:cancel:${videoId}`
}

/** Stage job ids are derived from the video id, so re-running a stage never duplicates one. */
export function stageJobId(videoId: string, stage: Stage): string {
  return stage === 'script' ? videoId : `${videoId}.${stage}`
}

const queueCache = new WeakMap<Redis, Map<string, Queue>>()

/** One Queue per (connection, prefix, name), reused across calls. */
export function pipelineQueue(connection: Redis, name: string, prefix = QUEUE_PREFIX): Queue {
  let byName = queueCache.get(connection)
  if (!byName) {
    byName = new Map()
    queueCache.set(connection, byName)
  }
  const cacheKey = `${prefix}\u0000${name}`
  let queue = byName.get(cacheKey)
  if (!queue) {
    queue = new Queue(name, { connection, prefix })
    byName.set(cacheKey, queue)
  }
  return queue
}

export function stageJobOptions(plan: Plan, attempts: number, backoffMs: number): JobsOptions {
  return {
    priority: PLAN_PRIORITY[plan],
    attempts,
    backoff: { type: 'exponential', delay: backoffMs, jitter: BACKOFF_JITTER },
    removeOnComplete: { age: 24 * 3600, count: 1000 },
    removeOnFail: { age: 7 * 24 * 3600 },
  }
}

/**
 * Enqueues a video. Idempotent: a second call with the same videoId (job id) while the first job
 * still exists adds nothing. Clears a stale cancel flag for the video.
 */
export async function dispatchVideo(connection: Redis, job: VideoJob, opts: DispatchOptions = {}): Promise<{ jobId: string }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  const jobId = opts.jobId ?? stageJobId(job.videoId, 'script')
  await connection.del(cancelKey(job.videoId, prefix))
  const added = await pipelineQueue(connection, QUEUES.script, prefix).add('script', job, {
    ...stageJobOptions(job.plan, opts.attempts ?? DEFAULT_ATTEMPTS, opts.backoffMs ?? DEFAULT_BACKOFF_MS),
    jobId,
  })
  return { jobId: added.id ?? jobId }
}

/**
 * Cancels a video: sets the cancel flag (running stages poll it and kill ffmpeg, then report
 * `video.cancelled`) and removes the video's jobs that are not running.
 */
export async function cancelVideo(connection: Redis, videoId: string, opts: PipelineOptions = {}): Promise<{ removed: number }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  await connection.set(cancelKey(videoId, prefix), '1', 'EX', CANCEL_TTL_S)
  return { removed: await removeVideoJobs(connection, videoId, prefix) }
}

/** Removes every not-running stage job of a video; a running (locked) one is left to the cancel flag. */
export async function removeVideoJobs(connection: Redis, videoId: string, prefix = QUEUE_PREFIX): Promise<number> {
  let removed = 0
  // Root of the flow first: removing it removes its children too.
  for (const stage of ['thumbnail', 'render', 'voice', 'visuals', 'script'] as const) {
    const queue = pipelineQueue(connection, QUEUES[stage], prefix)
    const job = await queue.getJob(stageJobId(videoId, stage))
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

export async function listDeadLetters(
  connection: Redis,
  opts: PipelineOptions & { start?: number; end?: number } = {},
): Promise<DeadLetterEntry[]> {
  const queue = pipelineQueue(connection, QUEUES.deadLetter, opts.prefix ?? QUEUE_PREFIX)
  const jobs = await queue.getJobs(['waiting', 'prioritized'], opts.start ?? 0, opts.end ?? 99)
  return jobs.filter((j) => j?.id).map((j) => ({ ...(j.data as Omit<DeadLetterEntry, 'id'>), id: j.id! }))
}

/**
 * Runs a dead-lettered video again: removes its old stage jobs and dispatches it anew under the
 * same job id. Stages reuse artifacts already in storage (script, voice), so work is not redone.
 */
export async function redriveDeadLetter(
  connection: Redis,
  deadLetterJobId: string,
  opts: Omit<DispatchOptions, 'jobId'> = {},
): Promise<{ jobId: string }> {
  const prefix = opts.prefix ?? QUEUE_PREFIX
  const dlq = pipelineQueue(connection, QUEUES.deadLetter, prefix)
  const entry = await dlq.getJob(deadLetterJobId)
  if (!entry) throw new Error(`dead-letter job ${deadLetterJobId} not found`)
  const { video } = entry.data as DeadLetterEntry
  await removeVideoJobs(connection, video.videoId, prefix)
  const result = await dispatchVideo(connection, video, opts)
  await entry.remove()
  return result
}
