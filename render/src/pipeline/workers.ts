// Starts a worker for every stage of the pipeline definition in this process (in-process
// processors: sandboxed ones are unreliable on Bun).
import { PIPELINE, type Stage, type WorkerPool } from '@ytempire/contract'
import { closePipelineQueues, EventReporter, quietQueue, readQueueFigures } from '@ytempire/contract/queue'
import { connectRedis } from '@ytempire/contract/redis'
import { FlowProducer, type Worker } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import { watchQueues } from '../metrics'
import { createProviders, type Providers } from '../providers'
import { publishStage } from '../stages/publish'
import { renderStage } from '../stages/render'
import { scriptStage } from '../stages/script'
import { thumbnailStage } from '../stages/thumbnail'
import { visualsStage } from '../stages/visuals'
import { voiceStage } from '../stages/voice'
import { openScratch, type Reclaimed } from './scratch'
import type { StageProcessor } from './stage'
import { createStageWorker, type StageWorkerDeps } from './stage-worker'

/** The processor of every stage: a stage added to the pipeline definition is refused here until it has one. */
const PROCESSORS: Record<Stage, StageProcessor<unknown>> = {
  script: scriptStage,
  voice: voiceStage,
  visuals: visualsStage,
  render: renderStage,
  thumbnail: thumbnailStage,
  publish: publishStage,
}

export interface Pipeline {
  workers: Worker[]
  /** What this start reclaimed from workers of this host that died without cleaning up. */
  reclaimed: Reclaimed
  /** Graceful: waits for running jobs up to `graceMs`, then hands them back to the queue. */
  close(graceMs?: number): Promise<void>
}

export async function startPipeline(
  config: RenderConfig,
  log: Logger,
  providers: Providers = createProviders(config),
  stages: readonly Stage[] = PIPELINE.stages,
): Promise<Pipeline> {
  const { scratch, reclaimed } = await openScratch(config.tmpDir, log)
  const workerConnection = connectRedis(config.redis, 'render-worker', { maxRetriesPerRequest: null })
  const commands = connectRedis(config.redis, 'render-commands', { maxRetriesPerRequest: null })
  const shutdown = new AbortController()
  const inFlight = new Set<Promise<unknown>>()
  const events = new EventReporter(commands, { prefix: config.queuePrefix })
  const deps: StageWorkerDeps = {
    config,
    providers,
    log,
    events,
    workerConnection,
    commands,
    flows: quietQueue(new FlowProducer({ connection: commands, prefix: config.queuePrefix })),
    shutdown: shutdown.signal,
    track(work) {
      inFlight.add(work)
      void work.finally(() => inFlight.delete(work))
    },
    scratch,
  }
  const concurrency: Record<WorkerPool, number> = { render: config.renderConcurrency, stage: config.stageConcurrency }
  const workers = stages.map((stage) => createStageWorker(stage, PROCESSORS[stage], deps, concurrency[PIPELINE.spec[stage].pool]))
  // The queue gauges read the queues through this process's command connection when Prometheus scrapes.
  watchQueues(() => readQueueFigures(commands, config.queuePrefix))

  let closed: Promise<void> | undefined
  const close = async (graceMs: number) => {
    const closing = Promise.all(workers.map((w) => w.close()))
    let timer: ReturnType<typeof setTimeout> | undefined
    const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), graceMs)))
    if ((await Promise.race([closing, deadline])) === 'deadline') {
      log.warn({ graceMs }, 'shutdown deadline passed: handing running jobs back')
      shutdown.abort()
      await closing
    }
    clearTimeout(timer)
    watchQueues(undefined)
    // A video that failed just before the close is still dead-lettered and reported.
    await Promise.allSettled([...inFlight])
    await events.close()
    await deps.flows.close()
    await closePipelineQueues(commands)
    workerConnection.disconnect()
    commands.disconnect()
    await scratch.close()
  }
  return { workers, reclaimed, close: (graceMs = config.shutdownGraceMs) => (closed ??= close(graceMs)) }
}
