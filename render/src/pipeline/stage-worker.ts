// Runs one stage's processor inside a BullMQ worker: events, cancel polling, timeout, temp dir,
// metrics, adding the flow after the entry stage, reporting the video complete after the final one,
// dead-lettering after the last attempt, and handing the job back on shutdown.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { type Artifact, type CostItem, PIPELINE, type RetryPolicy, type Stage, type VideoJob } from '@ytempire/contract'
import {
  addDeadLetter,
  type EventReporter,
  isCancelled,
  KEEP_COMPLETED_JOBS,
  pipelineQueue,
  retryPolicyOf,
  stageJobId,
  videoFlow,
} from '@ytempire/contract/queue'
import type { RedisConnection } from '@ytempire/contract/redis'
import { DelayedError, type FlowProducer, type Job, UnrecoverableError, Worker } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import { storageCost } from '../cost/cost'
import { CancelledError, ShutdownError, StageDelay, StageTimeoutError } from '../errors'
import { stageDuration, stageJobs } from '../metrics'
import type { Providers } from '../providers'
import type { StageContext, StageJobData, StageOutcomes, StageProcessor } from './stage'
import { videoCompleted } from './video-completed'

export interface StageWorkerDeps {
  config: RenderConfig
  providers: Providers
  log: Logger
  events: EventReporter
  /** blocking-safe connection for BullMQ workers (maxRetriesPerRequest: null) */
  workerConnection: RedisConnection
  /** plain connection for commands (cancel flag polling, flows, dead letters) */
  commands: RedisConnection
  flows: FlowProducer
  /** aborts when the shutdown deadline passes */
  shutdown: AbortSignal
  /** work started outside a job (dead-lettering) that closing the pipeline waits for */
  track(work: Promise<unknown>): void
}

export const WORKER_ID = `${hostname()}:${process.pid}`

/** The entry job carries the VideoJob itself (what the core dispatches); flow jobs wrap it. */
function jobData(stage: Stage, job: Job): StageJobData {
  return stage === PIPELINE.entry ? { video: job.data as VideoJob, upstream: {} } : (job.data as StageJobData)
}

export function createStageWorker<R>(stage: Stage, processor: StageProcessor<R>, deps: StageWorkerDeps, concurrency: number): Worker {
  const { config, log } = deps
  const spec = PIPELINE.spec[stage]

  const worker = new Worker(
    spec.queue,
    async (job, token): Promise<StageOutcomes> => {
      const { video, upstream, standalone } = jobData(stage, job)
      const jlog = log.child({ stage, videoId: video.videoId, jobId: job.id, attempt: job.attemptsMade + 1 })
      const started = performance.now()
      const abort = new AbortController()
      if (await isCancelled(deps.commands, video.videoId, config.queuePrefix)) throw new CancelledError(video.videoId)

      const poll = setInterval(() => {
        isCancelled(deps.commands, video.videoId, config.queuePrefix).then(
          (cancelled) => cancelled && abort.abort(new CancelledError(video.videoId)),
          () => {},
        )
      }, config.cancelPollMs)
      const timeout = setTimeout(() => abort.abort(new StageTimeoutError(stage, spec.timeoutS)), spec.timeoutS * 1000)
      const onShutdown = () => abort.abort(new ShutdownError())
      deps.shutdown.addEventListener('abort', onShutdown, { once: true })

      await mkdir(config.tmpDir, { recursive: true })
      const dir = await mkdtemp(join(config.tmpDir, `${stage}-`))
      const costs: CostItem[] = []
      const artifacts: Artifact[] = []
      let lastProgressAt = 0
      let lastPercent = -1
      const earlier: StageOutcomes = { ...upstream }
      for (const outcomes of Object.values(await job.getChildrenValues<StageOutcomes>())) Object.assign(earlier, outcomes)

      const ctx: StageContext = {
        stage,
        video,
        config,
        providers: deps.providers,
        storage: deps.providers.storage,
        log: jlog,
        signal: abort.signal,
        dir,
        resultOf<T>(of: Stage): T {
          const outcome = earlier[of]
          if (!outcome) throw new Error(`${stage} needs the result of ${of}, which has not run`)
          return outcome.result as T
        },
        progress(percent) {
          const p = Math.max(0, Math.min(100, Math.round(percent)))
          const now = Date.now()
          // At most one progress event a second (and always 100): the events queue is not a log.
          if (p === lastPercent || (p < 100 && now - lastProgressAt < 1000)) return
          lastPercent = p
          lastProgressAt = now
          job.updateProgress(p).catch(() => {})
          deps.events.report({ type: 'stage.progress', videoId: video.videoId, stage, percent: p }).catch(() => {})
        },
        cost(...items) {
          costs.push(...items)
        },
        async store(storageKey, path, contentType) {
          const stored = await deps.providers.storage.putFile(storageKey, path, contentType)
          const artifact = { key: stored.key, contentType: stored.contentType, size: stored.size }
          artifacts.push(artifact)
          costs.push(storageCost(stage, stored.size))
          return artifact
        },
        async reuse(storageKey) {
          const stored = await deps.providers.storage.stat(storageKey)
          if (!stored) return null
          const artifact = { key: stored.key, contentType: stored.contentType, size: stored.size }
          artifacts.push(artifact)
          return artifact
        },
      }

      try {
        await deps.events.report({ type: 'stage.started', videoId: video.videoId, stage, attempt: job.attemptsMade + 1, worker: WORKER_ID })
        jlog.info('stage started')
        const result = await processor(ctx)
        abort.signal.throwIfAborted()
        const durationMs = Math.round(performance.now() - started)
        const outcomes: StageOutcomes = { ...earlier, [stage]: { result, durationMs, artifacts } }
        if (stage === PIPELINE.entry) await addFlow(video, outcomes, retryPolicyOf(job.opts), deps)
        if (costs.length) await deps.events.report({ type: 'cost', videoId: video.videoId, stage, items: costs })
        await deps.events.report({ type: 'stage.completed', videoId: video.videoId, stage, durationMs, artifacts })
        // After the final stage's own stage.completed, so video.completed is the video's last event.
        // A stage run on its own (publishing a finished video) belongs to a video completed long ago.
        if (stage === PIPELINE.finalStage(video) && !standalone)
          await deps.events.report(await videoCompleted(video, outcomes, ctx.storage))
        stageDuration.observe({ stage, outcome: 'completed' }, durationMs / 1000)
        stageJobs.inc({ stage, outcome: 'completed' })
        jlog.info({ durationMs }, 'stage completed')
        return outcomes
      } catch (caught) {
        const err = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : (caught as Error)
        const outcome =
          err instanceof ShutdownError
            ? 'handed_back'
            : err instanceof CancelledError
              ? 'cancelled'
              : err instanceof StageDelay
                ? 'delayed'
                : 'failed'
        stageDuration.observe({ stage, outcome }, (performance.now() - started) / 1000)
        stageJobs.inc({ stage, outcome })
        if (err instanceof StageDelay) {
          // Not a failure and not an attempt: the job comes back when what it waits for is there.
          await job.moveToDelayed(Date.now() + err.delayMs, token)
          jlog.info({ until: err.until, reason: err.reason }, 'stage waiting')
          throw new DelayedError()
        }
        if (err instanceof ShutdownError) {
          // Back to the queue without spending an attempt; another worker picks it up.
          await job.moveToDelayed(Date.now(), token)
          jlog.warn('stage handed back on shutdown')
          throw new DelayedError()
        }
        if (err instanceof CancelledError) {
          await deps.events.report({ type: 'video.cancelled', videoId: video.videoId, stage })
          jlog.info('stage cancelled')
          throw err
        }
        const attempts = job.opts.attempts ?? 1
        const willRetry = !(err instanceof UnrecoverableError) && job.attemptsMade + 1 < attempts
        await deps.events.report({
          type: 'stage.failed',
          videoId: video.videoId,
          stage,
          attempt: job.attemptsMade + 1,
          reason: err.message,
          willRetry,
        })
        jlog.warn({ err, willRetry }, 'stage failed')
        throw err
      } finally {
        clearInterval(poll)
        clearTimeout(timeout)
        deps.shutdown.removeEventListener('abort', onShutdown)
        await rm(dir, { recursive: true, force: true })
      }
    },
    {
      connection: deps.workerConnection,
      prefix: config.queuePrefix,
      concurrency,
      lockDuration: config.lockDurationMs,
      stalledInterval: config.stalledIntervalMs,
      maxStalledCount: config.maxStalledCount,
      removeOnComplete: KEEP_COMPLETED_JOBS,
    },
  )

  // Last attempt spent (or a permanent error): move to the dead-letter queue and report it.
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job?.finishedOn || err instanceof CancelledError || err.name === 'CancelledError') return
    // A parent failed because a child did: the child is the one dead-lettered (or cancelled).
    // (A job over the stall limit also fails through deferredFailure, and is dead-lettered.)
    if (job.deferredFailure?.startsWith('child ')) return
    deps.track(deadLetter(stage, job, err, deps).catch((e) => log.error({ err: e, jobId: job.id }, 'dead-lettering failed')))
  })
  worker.on('error', (err) => log.error({ err, stage }, 'worker error'))
  return worker
}

/** Adds the flow of the stages after the entry; a retry after a crash finds it already there. */
async function addFlow(video: VideoJob, upstream: StageOutcomes, retry: RetryPolicy, deps: StageWorkerDeps) {
  const data: StageJobData = { video, upstream }
  const flow = videoFlow(video, data, retry)
  if (!flow) return
  const root = PIPELINE.finalStage(video)
  if (await pipelineQueue(deps.commands, flow.queueName, deps.config.queuePrefix).getJob(stageJobId(video.videoId, root))) return
  await deps.flows.add(flow)
}

async function deadLetter(stage: Stage, job: Job, err: Error, deps: StageWorkerDeps): Promise<void> {
  const { video } = jobData(stage, job)
  const failedAt = new Date(job.finishedOn ?? Date.now()).toISOString()
  // Deterministic id: a duplicate 'failed' for the same attempt adds nothing.
  const deadLetterJobId = await addDeadLetter(
    deps.commands,
    { videoId: video.videoId, stage, reason: err.message, attempts: job.attemptsMade, failedAt, video },
    `dl.${job.id}.${job.finishedOn}`,
    { prefix: deps.config.queuePrefix },
  )
  await deps.events.report({
    type: 'video.failed',
    videoId: video.videoId,
    stage,
    reason: err.message,
    attempts: job.attemptsMade,
    deadLetterJobId,
  })
  deps.log.error({ stage, videoId: video.videoId, reason: err.message }, 'video dead-lettered')
}
