// The reports the workers send to the core on the `video-events` queue, one job per event.
import type { Artifact, CostItem } from './jobs'
import type { Stage } from './pipeline'

interface EventBase {
  videoId: string
  /**
   * The report's own identity (`reportId`): the same for every delivery of this report, different for
   * any other. The core records a report once by it, so a queue that lost its counter or its jobs can
   * neither drop a new report as a duplicate nor apply an old one twice. Absent only in reports queued
   * by workers older than this field (the core then knows them by their queue job's key).
   */
  id?: string
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
export type VideoEventOf<T extends VideoEventType> = Extract<VideoEvent, { type: T }>
/** An event as a worker hands it to the reporter, which stamps `at` (and a random `id` when none is given: tests). */
export type UnstampedVideoEvent = VideoEvent extends infer E ? (E extends VideoEvent ? Omit<E, 'at'> : never) : never
/** Reports about one stage of a video. */
export type StageEvent = VideoEventOf<'stage.started' | 'stage.progress' | 'stage.completed' | 'stage.failed'>

/**
 * The identity of a report about one run of one stage: the video, the dispatch it belongs to (a
 * re-drive or re-dispatch is a new run), the stage, which start of the stage's job it comes from
 * (every start counts: a retry, a stall, a hand-back), and what it reports (`kind`, plus e.g. the
 * percent of a progress report). Dots only: BullMQ job ids cannot hold `:`.
 */
export function reportId(videoId: string, runId: string, stage: string, start: number, kind: string): string {
  return [videoId, runId, stage, start, kind].join('.')
}
