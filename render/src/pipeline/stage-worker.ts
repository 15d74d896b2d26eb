// Runs one stage's processor inside a BullMQ worker: events, cancel polling, temp dir, metrics,
// dead-lettering after the last attempt, and handing the job back on shutdown.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { hostname } from 'node:os'
import { join } from 'node:path'
import type { RedisConnection } from '@ytempire/contract/redis'
import { DelayedError, type FlowProducer, type Job, type Queue, UnrecoverableError, Worker } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import { type Artifact, type CostItem, cancelKey, type DeadLetterEntry, QUEUES, type Stage, type VideoJob } from '../contract'
import { storageCost } from '../cost/cost'
import { CancelledError } from '../errors/cancelled-error'
import { stageDuration, stageJobs } from '../metrics'
import type { Providers } from '../providers'
import type { EventReporter } from './events'
import type { StageContext, StageJobData, StageProcessor } from './stage'

export class ShutdownError extends Error {
  override name = 'ShutdownError'
  constructor() {
    super('worker shutting down: job handed back')
  }
}

export interface StageWorkerDeps {
  config: RenderConfig
  providers: Providers
  log: Logger
  events: EventReporter
  /** blocking-safe connection for BullMQ workers (maxRetriesPerRequest: null) */
  workerConnection: RedisConnection
  /** plain connection for commands (cancel flag polling, dead-letter queue) */
  commands: RedisConnection
  flows: FlowProducer
  deadLetters: Queue
  queue(name: string): Queue
  /** aborts when the shutdown deadline passes */
  shutdown: AbortSignal
}

const WORKER_ID = `${hostname()}:${process.pid}`

export function createStageWorker<R>(
  stage: Stage,
  processor: StageProcessor<R>,
  deps: StageWorkerDeps,
  concurrency: number,
): Worker<StageJobData, R> {
  const { config, log } = deps

  const worker = new Worker<StageJobData, R>(
    QUEUES[stage],
    async (job, token) => {
      // The script job carries the VideoJob itself (what the core dispatches); later stages wrap it.
      const data: StageJobData = stage === 'script' ? { video: job.data as unknown as VideoJob } : job.data
      const { video } = data
      const jlog = log.child({ stage, videoId: video.videoId, jobId: job.id, attempt: job.attemptsMade + 1 })
      const started = performance.now()
      const abort = new AbortController()
      const key = cancelKey(video.videoId, config.queuePrefix)
      if (await deps.commands.exists(key)) throw new CancelledError(video.videoId)

      const poll = setInterval(() => {
        deps.commands.exists(key).then(
          (n) => n && abort.abort(new CancelledError(video.videoId)),
          () => {},
        )
      }, config.cancelPollMs)
      const onShutdown = () => abort.abort(new ShutdownError())
      deps.shutdown.addEventListener('abort', onShutdown, { once: true })

      await mkdir(config.tmpDir, { recursive: true })
      const dir = await mkdtemp(join(config.tmpDir, `${stage}-`))
      const costs: CostItem[] = []
      const artifacts: Artifact[] = []
      const afterCompleted: ((durationMs: number) => Promise<void>)[] = []
      let lastProgressAt = 0
      let lastPercent = -1

      const ctx: StageContext = {
        stage,
        job,
        data,
        video,
        config,
        providers: deps.providers,
        storage: deps.providers.storage,
        log: jlog,
        signal: abort.signal,
        dir,
        flows: deps.flows,
        queue: deps.queue,
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
        report: (event) => deps.events.report(event),
        onCompleted(fn) {
          afterCompleted.push(fn)
        },
        async store(storageKey, path, contentType) {
          const stored = await deps.providers.storage.putFile(storageKey, path, contentType)
          const artifact = { key: stored.key, contentType: stored.contentType, size: stored.size }
          artifacts.push(artifact)
          costs.push(storageCost(stage, stored.size))
          return artifact
        },
      }

      try {
        await deps.events.report({ type: 'stage.started', videoId: video.videoId, stage, attempt: job.attemptsMade + 1, worker: WORKER_ID })
        jlog.info('stage started')
        const result = await processor(ctx)
        abort.signal.throwIfAborted()
        const durationMs = Math.round(performance.now() - started)
        if (costs.length) await deps.events.report({ type: 'cost', videoId: video.videoId, stage, items: costs })
        await deps.events.report({ type: 'stage.completed', videoId: video.videoId, stage, durationMs, artifacts })
        for (const fn of afterCompleted) await fn(durationMs)
        stageDuration.observe({ stage, outcome: 'completed' }, durationMs / 1000)
        stageJobs.inc({ stage, outcome: 'completed' })
        jlog.info({ durationMs }, 'stage completed')
        return result
      } catch (caught) {
        const err = abort.signal.aborted && abort.signal.reason instanceof Error ? abort.signal.reason : (caught as Error)
        const outcome = err instanceof ShutdownError ? 'handed_back' : err instanceof CancelledError ? 'cancelled' : 'failed'
        stageDuration.observe({ stage, outcome }, (performance.now() - started) / 1000)
        stageJobs.inc({ stage, outcome })
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
      // Keep job ids findable for a while for idempotency checks; the record of truth is the core's DB.
      removeOnComplete: { age: 24 * 3600, count: 1000 },
    },
  )

  // Last attempt spent (or a permanent error): move to the dead-letter queue and report it.
  worker.on('failed', (job: Job<StageJobData> | undefined, err: Error) => {
    if (!job?.finishedOn || err instanceof CancelledError || err.name === 'CancelledError') return
    // A parent failed because a child did: the child is the one dead-lettered (or cancelled).
    // (A job over the stall limit also fails through deferredFailure, and is dead-lettered.)
    if (job.deferredFailure?.startsWith('child ')) return
    const data: StageJobData = stage === 'script' ? { video: job.data as unknown as VideoJob } : job.data
    deadLetter(stage, job, data, err, deps).catch((e) => log.error({ err: e, jobId: job.id }, 'dead-lettering failed'))
  })
  worker.on('error', (err) => log.error({ err, stage }, 'worker error'))
  return worker
}

async function deadLetter(stage: Stage, job: Job<StageJobData>, data: StageJobData, err: Error, deps: StageWorkerDeps): Promise<void> {
  const { video } = data
  const failedAt = new Date(job.finishedOn ?? Date.now()).toISOString()
  const entry: Omit<DeadLetterEntry, 'id'> = {
    videoId: video.videoId,
    stage,
    reason: err.message,
    attempts: job.attemptsMade,
    failedAt,
    video,
  }
  // Deterministic id: a duplicate 'failed' for the same attempt adds nothing.
  const dl = await deps.deadLetters.add('dead-letter', entry, { jobId: `dl.${job.id}.${job.finishedOn}` })
  await deps.events.report({
    type: 'video.failed',
    videoId: video.videoId,
    stage,
    reason: err.message,
    attempts: job.attemptsMade,
    deadLetterJobId: dl.id!,
  })
  deps.log.error({ stage, videoId: video.videoId, reason: err.message }, 'video dead-lettered')
}

export type { Queue }
export { WORKER_ID }
