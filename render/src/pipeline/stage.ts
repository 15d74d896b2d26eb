// What every stage processor receives, and the data that flows between stages.

import type { Storage } from '@ytempire/storage'
import type { FlowProducer, Job, Queue } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import type { Artifact, CostItem, Stage, VideoJob } from '../contract'
import type { Providers } from '../providers'
import type { EventReporter } from './events'

export interface StageJobData {
  video: VideoJob
  /** set once the script stage has stored the script */
  scriptKey?: string
}

export interface StageContext {
  stage: Stage
  job: Job<StageJobData>
  data: StageJobData
  video: VideoJob
  config: RenderConfig
  providers: Providers
  storage: Storage
  log: Logger
  /** aborts on cancel (CancelledError), timeout or shutdown hand-back */
  signal: AbortSignal
  /** private temp directory, removed after the stage */
  dir: string
  flows: FlowProducer
  /** a pipeline queue by name (same connection and prefix) */
  queue(name: string): Queue
  progress(percent: number): void
  cost(...items: CostItem[]): void
  /** stores a local file as an artifact and records its storage cost */
  store(key: string, path: string, contentType?: string): Promise<Artifact>
  report(event: Parameters<EventReporter['report']>[0]): Promise<void>
  /** runs after stage.completed has been reported, with this attempt's wall time */
  onCompleted(fn: (durationMs: number) => Promise<void>): void
}

export type StageProcessor<R> = (ctx: StageContext) => Promise<R>

export const artifactKey = (videoId: string, name: string) => `videos/${videoId}/${name}`
