import type { Deps } from '../../deps'
import { AUTOPILOT_QUEUE, type AutopilotService } from './service'

/**
 * Consumes the autopilot schedulers' firings in each core instance (BullMQ hands each to one).
 * A firing's scheduled time, not the time it is processed, decides its slot.
 */
export function startAutopilotWorker(deps: Deps, autopilot: AutopilotService) {
  const worker = deps.jobs.worker<{ channelId: string }>(
    AUTOPILOT_QUEUE,
    async (job) => {
      const firedAt = job.opts.prevMillis ?? job.timestamp + (job.delay ?? 0)
      return autopilot.fired(job.data.channelId, firedAt)
    },
    { concurrency: 2 },
  )
  worker.on('failed', (job, err) => deps.log.error({ err, channelId: job?.data.channelId }, 'autopilot slot failed'))
  worker.on('error', (err) => deps.log.error({ err }, 'autopilot worker error'))
  return { close: () => worker.close() }
}
