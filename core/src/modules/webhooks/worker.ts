import type { Deps } from '../../deps'
import { type DeliveryJob, WEBHOOK_QUEUE, type WebhookService } from './service'

/** Delivers queued webhook messages; every core instance runs one, BullMQ hands each job to one of them. */
export function startWebhookDeliveries(deps: Deps, webhooks: WebhookService) {
  const worker = deps.jobs.worker<DeliveryJob>(WEBHOOK_QUEUE, (job) => webhooks.deliver(job), { concurrency: 16 })
  worker.on('failed', (job, err) =>
    deps.log.info({ messageId: job?.data.messageId, attempt: job?.attemptsMade, reason: err.message }, 'webhook delivery attempt failed'),
  )
  worker.on('error', (err) => deps.log.error({ err }, 'webhook delivery worker error'))
  return { close: () => worker.close() }
}
