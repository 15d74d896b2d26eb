// The reports the workers send to the core on the `video-events` queue, one job per event.
import type { Artifact, CostItem } from './jobs'
import type { Stage } from './pipeline'

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
export type VideoEventOf<T extends VideoEventType> = Extract<VideoEvent, { type: T }>
/** An event as a worker hands it to the reporter, which stamps `at`. */
export type UnstampedVideoEvent = VideoEvent extends infer E ? (E extends VideoEvent ? Omit<E, 'at'> : never) : never
/** Reports about one stage of a video. */
export type StageEvent = VideoEventOf<'stage.started' | 'stage.progress' | 'stage.completed' | 'stage.failed'>
