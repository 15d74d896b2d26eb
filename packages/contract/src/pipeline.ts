// The render pipeline, defined once. Each stage names its queue, its share of the progress bar, the
// stages it needs, its worker pool, its timeout and (optionally) its own retries and a condition on
// the job. Everything else is derived from this table: the BullMQ flow tree the workers add, the
// order in which a video's queued jobs are removed, the core's progress figure and stage order, and
// the render workers' table of queues. Adding a stage: one entry here plus its processor
// (docs/contracts.md, "Adding a stage").
import type { VideoJob } from './jobs'

/** How often a stage's job runs before it is dead-lettered, and the first backoff delay (doubling, with jitter). */
export interface RetryPolicy {
  attempts: number
  backoffMs: number
}

/** Every stage runs under the video's policy: this one unless the dispatch asks for another. */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, backoffMs: 5_000 }

/** Which concurrency setting of the workers runs a stage: RENDER_CONCURRENCY or STAGE_CONCURRENCY. */
export const WORKER_POOLS = ['stage', 'render'] as const
export type WorkerPool = (typeof WORKER_POOLS)[number]

export interface StageSpec<Name extends string = string> {
  /** BullMQ queue the stage's jobs wait in. */
  queue: string
  /** Share of the overall progress, relative to the other stages of the video. */
  weight: number
  /** Stages whose results this one needs. Only the entry stage has none. */
  after: readonly Name[]
  pool: WorkerPool
  /** A run longer than this is aborted and retried: a backstop above the stage's own limits. */
  timeoutS: number
  /** Fixed retries for this stage whatever the video's policy (an outside API with its own quota rules). */
  retry?: RetryPolicy
  /** An optional stage: in a video's flow only when this is true for its job. It must come after exactly one stage. */
  when?: (job: VideoJob) => boolean
}

/** One job of the BullMQ flow: it runs when all its children have completed. */
export interface FlowNode<Name extends string = string> {
  stage: Name
  children: FlowNode<Name>[]
}

export interface Pipeline<Name extends string> {
  /** Every stage in declaration order, which is also an order in which each stage follows those it needs. */
  readonly stages: readonly Name[]
  readonly spec: Readonly<Record<Name, StageSpec<Name>>>
  /** The stage the core dispatches; when it completes, the workers add the flow of the others. */
  readonly entry: Name
  /** How far down the pipeline a stage is: 0 for the entry, else one more than the furthest stage it needs. */
  readonly rank: Readonly<Record<Name, number>>
  /** Stages in the order a video's queued jobs are removed: a flow's parent before its children. */
  readonly removalOrder: readonly Name[]
  /** The stages a video goes through: the required ones, and the optional ones its job asks for. */
  stagesFor(job: VideoJob): Name[]
  /** The flow added after the entry stage (undefined when the entry is the video's only stage). */
  flowFor(job: VideoJob): FlowNode<Name> | undefined
  /** The stage whose completion completes the video: the flow's root. */
  finalStage(job: VideoJob): Name
  /** Retries of a stage's job within a video whose policy is `video`. */
  retryOf(stage: Name, video: RetryPolicy): RetryPolicy
  /** Overall progress 0..100 of a video going through `stages`, each counting by its weight. */
  progress(percentByStage: Readonly<Partial<Record<string, number>>>, stages: readonly string[]): number
  isStage(name: string): name is Name
}

/** Checks a definition and derives what the workers and the core need from it. Throws naming what is wrong. */
export function definePipeline<const S extends Record<string, StageSpec<string>>>(
  // The intersection checks every `after` against the stage names, once they are inferred.
  definition: S & { [K in keyof S]: { after: readonly Extract<keyof S, string>[] } },
): Pipeline<Extract<keyof S, string>> {
  type Name = Extract<keyof S, string>
  const spec = definition as unknown as Record<Name, StageSpec<Name>>
  const stages = Object.keys(spec) as Name[]
  const fail = (why: string): never => {
    throw new Error(`pipeline definition: ${why}`)
  }
  const entries = stages.filter((s) => spec[s].after.length === 0)
  if (entries.length !== 1) fail(`exactly one stage (the entry) comes after no other, found: ${entries.join(', ') || 'none'}`)
  const entry = entries[0]!
  if (spec[entry].when) fail(`the entry stage ${entry} cannot be optional`)

  const neededBy = new Map<Name, Name[]>()
  const rank = {} as Record<Name, number>
  for (const [i, stage] of stages.entries()) {
    const { after, when, weight, timeoutS } = spec[stage]
    for (const needed of after) {
      const at = stages.indexOf(needed)
      if (at < 0 || at >= i) fail(`${stage} comes after ${needed}, which must be a stage declared before it`)
      neededBy.set(needed, [...(neededBy.get(needed) ?? []), stage])
    }
    if (when && after.length !== 1) fail(`the optional stage ${stage} must come after exactly one stage`)
    if (!(weight >= 0) || !(timeoutS > 0)) fail(`${stage} needs a weight >= 0 and a timeout > 0`)
    rank[stage] = after.length ? 1 + Math.max(...after.map((s) => rank[s])) : 0
  }
  // A BullMQ flow is a tree: each job has one parent. The entry runs before the flow exists, so any
  // number of stages may need it; every other stage is needed by at most one, and one stage by none.
  for (const [stage, by] of neededBy)
    if (stage !== entry && by.length > 1) fail(`${stage} is needed by ${by.join(' and ')}; a flow job has one parent`)
  const finals = stages.filter((s) => !neededBy.has(s))
  if (finals.length !== 1) fail(`exactly one stage must be the last (needed by none), found: ${finals.join(', ')}`)
  const queues = stages.map((s) => spec[s].queue)
  if (new Set(queues).size !== queues.length) fail('each stage needs its own queue')

  const included = (job: VideoJob) => new Set(stages.filter((s) => spec[s].when?.(job) ?? true))
  // A left-out optional stage hands its place in the tree to the stage it comes after.
  const top = (stage: Name, keep: Set<Name>): Name => (keep.has(stage) ? stage : top(spec[stage].after[0]!, keep))
  const children = (stage: Name, keep: Set<Name>): FlowNode<Name>[] =>
    spec[stage].after
      .filter((s) => s !== entry)
      .flatMap((s) => (keep.has(s) ? [{ stage: s, children: children(s, keep) }] : children(s, keep)))

  return {
    stages,
    spec,
    entry,
    rank,
    removalOrder: [...stages].reverse(),
    stagesFor: (job) => [...included(job)],
    flowFor(job) {
      const keep = included(job)
      const root = top(finals[0]!, keep)
      return root === entry ? undefined : { stage: root, children: children(root, keep) }
    },
    finalStage: (job) => top(finals[0]!, included(job)),
    retryOf: (stage, video) => spec[stage].retry ?? video,
    progress(percentByStage, of) {
      const counted = of.filter((s): s is Name => s in spec)
      const total = counted.reduce((sum, s) => sum + spec[s].weight, 0)
      if (total === 0) return 0
      const done = counted.reduce((sum, s) => sum + spec[s].weight * Math.min(100, Math.max(0, percentByStage[s] ?? 0)), 0)
      return Math.round(done / total)
    },
    isStage: (name): name is Name => Object.hasOwn(spec, name),
  }
}

/**
 * The pipeline: script, then voice and visuals in parallel, the render when both are done, then the
 * thumbnail, and, when the job asks for it, the upload to YouTube. Weights are each stage's typical
 * share of a video's wall time.
 */
export const PIPELINE = definePipeline({
  script: { queue: 'video-script', weight: 10, after: [], pool: 'stage', timeoutS: 900 },
  voice: { queue: 'video-voice', weight: 15, after: ['script'], pool: 'stage', timeoutS: 1800 },
  visuals: { queue: 'video-visuals', weight: 15, after: ['script'], pool: 'stage', timeoutS: 3600 },
  render: { queue: 'video-render', weight: 50, after: ['voice', 'visuals'], pool: 'render', timeoutS: 7200 },
  thumbnail: { queue: 'video-thumbnail', weight: 10, after: ['render'], pool: 'stage', timeoutS: 300 },
  // Only when the job asks for it. Waits for quota are delayed jobs, not attempts; the retries are for
  // YouTube's and the core's hiccups, and every retry resumes the upload where it stood.
  publish: {
    queue: 'video-publish',
    weight: 10,
    after: ['thumbnail'],
    pool: 'stage',
    timeoutS: 4 * 3600,
    retry: { attempts: 8, backoffMs: 30_000 },
    when: (job) => job.publish !== undefined,
  },
})

export type Stage = (typeof PIPELINE.stages)[number]
export const STAGES: readonly Stage[] = PIPELINE.stages

/** BullMQ key prefix: every key lives under `ytempire:<queue>:...` unless QUEUE_PREFIX says otherwise. */
export const QUEUE_PREFIX = 'ytempire'

/** Every queue of the pipeline: one per stage, the workers' reports, and final failures. */
export const QUEUES = {
  ...(Object.fromEntries(STAGES.map((s) => [s, PIPELINE.spec[s].queue])) as Record<Stage, string>),
  /** Workers add a job here for every state change; the core consumes it. */
  events: 'video-events',
  /** Final failures land here (BullMQ has no built-in DLQ); nothing consumes it automatically. */
  deadLetter: 'dead-letter',
} as const
