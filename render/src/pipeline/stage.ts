// What every stage processor receives, and what stages hand to each other.
import { type Artifact, type CostItem, type Stage, type VideoJob, videoPrefix } from '@ytempire/contract'
import type { Storage } from '@ytempire/storage'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import type { Providers } from '../providers'

/** One finished stage: what its processor returned, how long it ran, what it stored. */
export interface StageOutcome<R = unknown> {
  result: R
  durationMs: number
  artifacts: Artifact[]
}
/** Every stage job returns the outcomes of itself and of every stage before it, so the flow's root holds them all. */
export type StageOutcomes = Partial<Record<Stage, StageOutcome>>

/** The data of a flow job (the entry job's data is the VideoJob itself). */
export interface StageJobData {
  video: VideoJob
  /** outcomes of the stages that ran before the flow was added */
  upstream: StageOutcomes
  /** a stage run on its own for a finished video (`dispatchPublish`): nothing upstream, no completion to report */
  standalone?: true
}

export interface StageContext {
  stage: Stage
  video: VideoJob
  config: RenderConfig
  providers: Providers
  storage: Storage
  log: Logger
  /** aborts on cancel (CancelledError), stage timeout or shutdown hand-back */
  signal: AbortSignal
  /** private temp directory, removed after the stage */
  dir: string
  /** the result of a stage this one comes after (throws if that stage has not run) */
  resultOf<R>(stage: Stage): R
  progress(percent: number): void
  cost(...items: CostItem[]): void
  /** stores a local file as an artifact and records its storage cost */
  store(key: string, path: string, contentType?: string): Promise<Artifact>
  /** an artifact an earlier run already stored (a retry or re-drive), counted as this stage's; null when missing */
  reuse(key: string): Promise<Artifact | null>
}

export type StageProcessor<R> = (ctx: StageContext) => Promise<R>

/** A file of the video, under its owner's folder (`videoPrefix`). */
export const artifactKey = (video: Pick<VideoJob, 'userId' | 'videoId'>, name: string) =>
  `${videoPrefix(video.userId, video.videoId)}${name}`

export function outcomeOf<R>(outcomes: StageOutcomes, stage: Stage): StageOutcome<R> {
  const outcome = outcomes[stage]
  if (!outcome) throw new Error(`missing result of the ${stage} stage`)
  return outcome as StageOutcome<R>
}
