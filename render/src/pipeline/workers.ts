// Starts every stage worker in this process (in-process processors: sandboxed ones are unreliable on Bun).

import { connectRedis } from '@ytempire/contract/redis'
import { FlowProducer, Queue, type Worker } from 'bullmq'
import type { Logger } from 'pino'
import type { RenderConfig } from '../config'
import { QUEUES, type Stage } from '../contract'
import { createProviders, type Providers } from '../providers'
import { renderStage } from '../stages/render'
import { scriptStage } from '../stages/script'
import { thumbnailStage } from '../stages/thumbnail'
import { visualsStage } from '../stages/visuals'
import { voiceStage } from '../stages/voice'
import { EventReporter } from './events'
import type { StageProcessor } from './stage'
import { createStageWorker, type StageWorkerDeps } from './stage-worker'

export interface Pipeline {
  workers: Worker[]
  /** Graceful: waits for running jobs up to `graceMs`, then hands them back to the queue. */
  close(graceMs?: number): Promise<void>
}

const PROCESSORS: Record<Stage, StageProcessor<unknown>> = {
  script: scriptStage,
  voice: voiceStage,
  visuals: visualsStage,
  render: renderStage,
  thumbnail: thumbnailStage,
}

export function startPipeline(
  config: RenderConfig,
  log: Logger,
  providers: Providers = createProviders(config),
  stages: readonly Stage[] = Object.keys(PROCESSORS) as Stage[],
): Pipeline {
  const workerConnection = connectRedis(config.redis, 'render-worker', { maxRetriesPerRequest: null })
  const commands = connectRedis(config.redis, 'render-commands', { maxRetriesPerRequest: null })
  const shutdown = new AbortController()
  const queues = new Map<string, Queue>()
  const queue = (name: string) => {
    let q = queues.get(name)
    if (!q) {
      q = new Queue(name, { connection: commands, prefix: config.queuePrefix })
      queues.set(name, q)
    }
    return q
  }
  const events = new EventReporter(commands, config.queuePrefix)
  const deps: StageWorkerDeps = {
    config,
    providers,
    log,
    events,
    workerConnection,
    commands,
    flows: new FlowProducer({ connection: commands, prefix: config.queuePrefix }),
    deadLetters: queue(QUEUES.deadLetter),
    queue,
    shutdown: shutdown.signal,
  }
  const workers = stages.map((stage) =>
    createStageWorker(stage, PROCESSORS[stage], deps, stage === 'render' ? config.renderConcurrency : config.stageConcurrency),
  )

  return {
    workers,
    async close(graceMs = config.shutdownGraceMs) {
      const closing = Promise.all(workers.map((w) => w.close()))
      let timer: ReturnType<typeof setTimeout> | undefined
      const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), graceMs)))
      if ((await Promise.race([closing, deadline])) === 'deadline') {
        log.warn({ graceMs }, 'shutdown deadline passed: handing running jobs back')
        shutdown.abort()
        await closing
      }
      clearTimeout(timer)
      await events.close()
      await deps.flows.close()
      await Promise.all([...queues.values()].map((q) => q.close()))
      workerConnection.disconnect()
      commands.disconnect()
    },
  }
}
