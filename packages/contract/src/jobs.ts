// What the core asks the workers to make (VideoJob) and what comes back (artifacts, costs, dead letters).
import type { Stage } from './pipeline'
import type { JobLimits } from './plans'
import type { Aspect, CaptionStyle, Plan, VisualSource, VoiceProvider } from './values'
import type { PublishRequest } from './youtube'

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
  /**
   * This dispatch of the video (set by `dispatchVideo`; a re-drive or a re-dispatch is a new run). Part
   * of every report's identity, so a re-run's reports are never taken for the first run's.
   */
  runId?: string
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
  /** What the plan allows this video; the workers refuse to go past it (absent in jobs of older cores: no limit). */
  limits?: JobLimits
  /** With the channel's niche as `topic` (the autopilot): the LLM picks a fresh subject and must not reuse these titles. */
  avoidTitles?: string[]
  /**
   * With `avoidTitles`: every earlier title of the channel as `titleKey()`, added when the job is dispatched,
   * so the written title is checked against all of them (the prompt carries only the newest, `avoidTitles`).
   */
  takenTitleKeys?: string[]
  /** Publish to the channel's YouTube channel after the thumbnail (the publish stage). */
  publish?: PublishRequest
  /** The trace this run belongs to (set by the dispatch when tracing is on): each stage's span is its child. */
  trace?: TraceCarrier
}

/** A W3C trace context (`traceparent`, `tracestate` headers), carried in job data and outbox rows. */
export interface TraceCarrier {
  traceparent: string
  tracestate?: string
}

export interface Artifact {
  key: string
  contentType: string
  size: number
}

export const COST_KINDS = ['llm_tokens', 'tts_characters', 'render_seconds', 'storage_bytes'] as const
export type CostKind = (typeof COST_KINDS)[number]

export const COST_UNITS = ['token', 'character', 'cpu_second', 'gpu_second', 'byte_month'] as const
export type CostUnit = (typeof COST_UNITS)[number]

export interface CostItem {
  stage: Stage
  kind: CostKind
  /** e.g. `gpt-4o-mini:input`, `elevenlabs`, `libx264:cpu`, `storage` */
  item: string
  /**
   * What the line is for, when that is one thing of the video: the storage key of a stored file.
   * Lines of one video with the same kind and ref are one charge (a re-run that replaces the file
   * replaces its line); lines without a ref are charges of their own.
   */
  ref?: string
  quantity: number
  unit: CostUnit
  unitPriceUsd: number
  amountUsd: number
}

/** A video whose stage failed its last attempt, kept for an operator to re-drive. */
export interface DeadLetterEntry {
  /** the dead-letter job's id, what a re-drive takes */
  id: string
  videoId: string
  stage: Stage
  reason: string
  attempts: number
  failedAt: string
  video: VideoJob
}
