import type { Deps } from '../../deps'
import { type BillingService, METER_QUEUE, type MeterJob, PLAN_EXPIRY_QUEUE, type PlanExpiryJob } from './service'

/** Meter events to Stripe and plans that lapse on schedule; every core instance runs both. */
export function startBillingWorkers(deps: Deps, billing: BillingService) {
  const meter = deps.jobs.worker<MeterJob>(
    METER_QUEUE,
    // One key per attempt: a retry after an answer we never read is de-duplicated by the identifier.
    (job) => billing.reportMeterEvent(job.data, `${job.id}.${job.attemptsMade}`),
    { concurrency: 4 },
  )
  const lapse = deps.jobs.worker<PlanExpiryJob>(PLAN_EXPIRY_QUEUE, (job) => billing.lapse(job.data.userId), { concurrency: 2 })
  for (const [name, w] of [
    ['meter', meter],
    ['plan lapse', lapse],
  ] as const) {
    w.on('failed', (job, err) => deps.log.warn({ job: job?.id, attempt: job?.attemptsMade, err }, `billing ${name} job failed`))
    w.on('error', (err) => deps.log.error({ err }, `billing ${name} worker error`))
  }
  return {
    close: async () => {
      await Promise.all([meter.close(), lapse.close()])
    },
  }
}
