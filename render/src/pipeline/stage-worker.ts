// Runs one stage's processor inside a BullMQ worker: events, cancel polling, timeout, temp dir,
// metrics and a trace span, adding the flow after the entry stage, reporting the video complete after the final one,
// dead-lettering after the last attempt, and handing the job back on shutdown.
import { rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { resolve } from 'node:path'
import { trace } from '@opentelemetry/api'
import { type Artifact, type CostItem, PIPELINE, type RetryPolicy, reportId, type Stage, type VideoJob } from '@ytempire/contract'
import {
  addDeadLetter,
  type EventReporter,
  isCancelled,
  KEEP_COMPLETED_JOBS,
  pipelineQueue,
  removeStoppedVideoJobs,
  retryPolicyOf,
  stageJobId,
  videoFlow,
} from '@ytempire/contract/queue'
import type { RedisConnection } from '@ytempire/contract/redis'
import { contextFrom, inSpan, SpanKind } from '@ytempire/contract/tracing'
import { DelayedError, type FlowProducer, type Job, UnrecoverableError, Worker } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import { storageCost } from '../cost/cost'
import { CancelledError, ShutdownError, StageDelay, StageTimeoutError, userReason, WorkerStoppedError } from '../errors'
import { failureReason, stageDuration, stageFailures, stageJobs } from '../metrics'
import type { Providers } from '../providers'
import type { Scratch } from './scratch'
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
  /** this process's scratch directory */
  scratch: Scratch
}

export const WORKER_ID = `${hostname()}:${process.pid}`

/**
 * BullMQ never fails a stalled job on its own here: a job whose worker died is re-run and the death
 * counted against the job's attempts by the processor (below), like any failure. (BullMQ's own limit,
 * `maxStalledCount`, fails such a job for good however many attempts it has left.)
 */
const STALLS_LEFT_TO_ATTEMPTS = Number.MAX_SAFE_INTEGER

/** The entry job carries the VideoJob itself (what the core dispatches); flow jobs wrap it. */
function jobData(stage: Stage, job: Job): StageJobData {
  return stage === PIPELINE.entry ? { video: job.data as VideoJob, upstream: {} } : (job.data as StageJobData)
}

/** Runs of the job that ended without success: failed attempts, and starts whose worker died (stalls). */
const spentRuns = (job: Job) => job.attemptsMade + job.stalledCounter

/** The identity of a report about this start of the job (see `reportId`). */
function reportIdOf(job: Job, stage: Stage, video: VideoJob, kind: string): string {
  return reportId(video.videoId, video.runId ?? 'r0', stage, job.attemptsStarted, kind)
}

export function createStageWorker<R>(stage: Stage, processor: StageProcessor<R>, deps: StageWorkerDeps, concurrency: number): Worker {
  const { config, log } = deps
  const spec = PIPELINE.spec[stage]

  /** One start of the stage's job: a span of the video's trace (the dispatch's child), its callees' spans under it. */
  const traced = (job: Job, token?: string): Promise<StageOutcomes> => {
    const { video } = jobData(stage, job)
    return inSpan(
      `stage ${stage}`,
      {
        kind: SpanKind.CONSUMER,
        parent: contextFrom(video.trace),
        attributes: {
          'ytempire.stage': stage,
          'ytempire.video.id': video.videoId,
          'ytempire.attempt': spentRuns(job) + 1,
          'messaging.message.id': job.id ?? '',
        },
        notAFailure: (err) => err instanceof DelayedError || err instanceof CancelledError,
      },
      () => run(job, token),
    )
  }

  const run = async (job: Job, token?: string): Promise<StageOutcomes> => {
    const { video, upstream, standalone } = jobData(stage, job)
    const attempts = job.opts.attempts ?? 1
    const attempt = spentRuns(job) + 1
    const id = (kind: string) => reportIdOf(job, stage, video, kind)
    const jlog = log.child({ stage, videoId: video.videoId, jobId: job.id, attempt })
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

    const dir = await deps.scratch.stageDir(stage)
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
        deps.events.report({ type: 'stage.progress', id: id(`progress.${p}`), videoId: video.videoId, stage, percent: p }).catch(() => {})
      },
      cost(...items) {
        costs.push(...items)
      },
      async store(storageKey, path, contentType) {
        const cancelled = () => isCancelled(deps.commands, video.videoId, config.queuePrefix)
        if (await cancelled()) throw new CancelledError(video.videoId)
        const stored = await deps.providers.storage.putFile(storageKey, path, contentType)
        // Cancelled (or the owner erased) while the file was written: the erasure may already have
        // listed the folder, so the file is taken back here. Set before the erasure lists, the flag is
        // seen by this check; set after, the erasure finds the file.
        if (await cancelled()) {
          await deps.providers.storage.delete(stored.key)
          throw new CancelledError(video.videoId)
        }
        const artifact = { key: stored.key, contentType: stored.contentType, size: stored.size }
        artifacts.push(artifact)
        costs.push(storageCost(stage, stored.size, stored.key))
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
      if (attempt > attempts)
        // Every attempt was spent by a worker that died running it (killed, out of memory, host gone).
        throw new WorkerStoppedError(job.stalledCounter)
      await deps.events.report({ type: 'stage.started', id: id('started'), videoId: video.videoId, stage, attempt, worker: WORKER_ID })
      jlog.info('stage started')
      const result = await processor(ctx)
      abort.signal.throwIfAborted()
      const durationMs = Math.round(performance.now() - started)
      const outcomes: StageOutcomes = { ...earlier, [stage]: { result, durationMs, artifacts } }
      // No flow for a video cancelled (or erased) meanwhile: its jobs would carry its data on.
      if (stage === PIPELINE.entry && (await isCancelled(deps.commands, video.videoId, config.queuePrefix)))
        throw new CancelledError(video.videoId)
      if (stage === PIPELINE.entry) await addFlow(video, outcomes, retryPolicyOf(job.opts), deps)
      if (costs.length) await deps.events.report({ type: 'cost', id: id('cost'), videoId: video.videoId, stage, items: costs })
      await deps.events.report({ type: 'stage.completed', id: id('completed'), videoId: video.videoId, stage, durationMs, artifacts })
      // After the final stage's own stage.completed, so video.completed is the video's last event.
      // A stage run on its own (publishing a finished video) belongs to a video completed long ago.
      if (stage === PIPELINE.finalStage(video) && !standalone)
        await deps.events.report({ ...(await videoCompleted(video, outcomes, ctx.storage)), id: id('video.completed') })
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
      trace.getActiveSpan()?.setAttribute('ytempire.stage.outcome', outcome)
      stageDuration.observe({ stage, outcome }, (performance.now() - started) / 1000)
      stageJobs.inc({ stage, outcome })
      if (outcome === 'failed') stageFailures.inc({ stage, reason: failureReason(err) })
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
        await deps.events.report({ type: 'video.cancelled', id: id('cancelled'), videoId: video.videoId, stage })
        jlog.info('stage cancelled')
        throw err
      }
      const willRetry = !(err instanceof UnrecoverableError) && attempt < attempts
      await deps.events.report({
        type: 'stage.failed',
        id: id('failed'),
        videoId: video.videoId,
        stage,
        attempt: Math.min(attempt, attempts),
        reason: userReason(err, hiddenRoots(deps)),
        willRetry,
      })
      jlog.warn({ err, willRetry }, 'stage failed')
      // BullMQ counts failed attempts only; the deaths it does not count spent the rest of them.
      if (!willRetry && !(err instanceof UnrecoverableError)) throw Object.assign(new UnrecoverableError(err.message), { cause: err })
      throw err
    } finally {
      clearInterval(poll)
      clearTimeout(timeout)
      deps.shutdown.removeEventListener('abort', onShutdown)
      await rm(dir, { recursive: true, force: true })
    }
  }

  const worker = new Worker(spec.queue, traced, {
    connection: deps.workerConnection,
    prefix: config.queuePrefix,
    concurrency,
    lockDuration: config.lockDurationMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: STALLS_LEFT_TO_ATTEMPTS,
    removeOnComplete: KEEP_COMPLETED_JOBS,
  })

  // Last attempt spent (or a permanent error): move to the dead-letter queue and report it.
  worker.on('failed', (job: Job | undefined, err: Error) => {
    if (!job?.finishedOn) return
    if (err instanceof CancelledError || err.name === 'CancelledError') {
      // A cancelled (or erased) video keeps no jobs: their data is the owner's script and settings.
      const { video } = jobData(stage, job)
      deps.track(
        removeStoppedVideoJobs(deps.commands, video.videoId, config.queuePrefix).then(
          (gone) => gone || log.warn({ videoId: video.videoId }, 'a cancelled video’s jobs are still there'),
          (e) => log.warn({ err: e, videoId: video.videoId }, 'could not remove a cancelled video’s jobs'),
        ),
      )
      return
    }
    // A parent failed because a child did: the child is the one dead-lettered (or cancelled).
    // (A job over the stall limit also fails through deferredFailure, and is dead-lettered.)
    if (job.deferredFailure?.startsWith('child ')) return
    deps.track(deadLetter(stage, job, err, deps).catch((e) => log.error({ err: e, jobId: job.id }, 'dead-lettering failed')))
  })
  // A Redis failover is a burst of connection errors on every worker: one line per stage every 10 s.
  let lastError = 0
  worker.on('error', (err) => {
    if (Date.now() - lastError < 10_000) return
    lastError = Date.now()
    log.error({ err, stage }, 'worker error')
  })
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

/** Paths of our own machines that a reason shown to the video's owner must not name. */
const hiddenRoots = ({ config }: StageWorkerDeps) => [
  resolve(config.tmpDir),
  ...(config.storage.kind === 'local' ? [resolve(config.storage.dir)] : []),
]

async function deadLetter(stage: Stage, job: Job, err: Error, deps: StageWorkerDeps): Promise<void> {
  const { video } = jobData(stage, job)
  const failedAt = new Date(job.finishedOn ?? Date.now()).toISOString()
  // Every run that ended without success, the deaths of its workers included (at most the attempts).
  const attempts = Math.min(job.opts.attempts ?? 1, spentRuns(job))
  // Deterministic id: a duplicate 'failed' for the same attempt adds nothing. Operators see the whole message.
  const deadLetterJobId = await addDeadLetter(
    deps.commands,
    { videoId: video.videoId, stage, reason: err.message, attempts, failedAt, video },
    `dl.${job.id}.${job.finishedOn}`,
    { prefix: deps.config.queuePrefix },
  )
  await deps.events.report({
    type: 'video.failed',
    id: reportIdOf(job, stage, video, 'video.failed'),
    videoId: video.videoId,
    stage,
    reason: userReason(err, hiddenRoots(deps)),
    attempts,
    deadLetterJobId,
  })
  deps.log.error({ stage, videoId: video.videoId, err }, 'video dead-lettered')
}
