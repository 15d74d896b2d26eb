import { PAID_PLANS, PLANS } from '@ytempire/contract'
import { t } from 'elysia'
import { strict } from '../../http/schema'

export const Plan = t.UnionEnum(PLANS, { description: PLANS.join(', ') })
export const PaidPlan = t.UnionEnum(PAID_PLANS, { description: PAID_PLANS.join(', ') })

export const EntitlementsView = t.Object({
  channels: t.Number(),
  videosPerDay: t.Number({ description: 'videos asked for in any 24 hours' }),
  maxVideoSeconds: t.Number({ description: 'longest video (targetSeconds, and the narration as spoken)' }),
  narrationChars: t.Number({ description: 'narration characters of one video' }),
  mediaItems: t.Number({ description: 'media one video may name' }),
  mediaBytes: t.Number({ description: 'bytes of media one video may download' }),
  queuePriority: t.Number({ description: 'BullMQ priority, lower runs first' }),
  autopilot: t.Boolean(),
  storageBytes: t.Number({ description: 'uploads and every file of the videos together' }),
})

export const BillingView = t.Object({
  billingEnabled: t.Boolean({ description: 'false: no Stripe on this installation, an administrator sets plans' }),
  plan: Plan,
  subscription: t.Nullable(
    t.Object({
      status: t.String({ description: "Stripe's subscription status" }),
      plan: t.Nullable(t.String({ description: 'the plan the subscription pays for' })),
      currentPeriodEnd: t.Nullable(t.String()),
      cancelAtPeriodEnd: t.Boolean(),
      graceEndsAt: t.Nullable(t.String({ description: 'past_due: the plan is kept until then' })),
    }),
  ),
  entitlements: EntitlementsView,
  usage: t.Object({
    periodStart: t.String(),
    periodEnd: t.String(),
    videosCompleted: t.Number({ description: 'completed this billing period (metered)' }),
    videosLastDay: t.Number(),
    channels: t.Number(),
    pausedChannels: t.Number(),
    storageBytes: t.Number(),
  }),
})

export const CheckoutBody = t.Object({ plan: PaidPlan }, strict)
export const AdminPlanBody = t.Object({ plan: Plan }, strict)

export const PlanChangeView = t.Object({
  userId: t.String(),
  from: t.String(),
  to: t.String(),
  paused: t.Array(t.String(), { description: 'channels paused: over the new plan’s count, newest first' }),
  resumed: t.Array(t.String()),
})
