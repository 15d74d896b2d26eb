import { PAID_PLANS, type PaidPlan, type Plan } from '@ytempire/contract'
import { and, count, eq, gte, lt } from 'drizzle-orm'
import type { Db } from '../../db'
import { billingAccounts, channels as channelRows, meterReports, stripeEvents, users, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import { conflict, notFound, Problem } from '../../http/problem'
import type { ChannelService } from '../channels/service'
import type { WebhookService } from '../webhooks/service'
import { heldPlan, storageUsedBytes, videosInLastDay } from './entitlements'
import { InvalidSignatureError } from './invalid-signature-error'
import type { Payments, SubscriptionState } from './payments'

export const METER_QUEUE = 'billing-meter-events'
export const PLAN_EXPIRY_QUEUE = 'billing-plan-expiry'

export interface MeterJob {
  videoId: string
  userId: string
  /** When the video completed (ISO): the meter event's timestamp. */
  at: string
}
export interface PlanExpiryJob {
  userId: string
}

type AccountRow = typeof billingAccounts.$inferSelect
interface PlanChange {
  userId: string
  from: Plan
  to: Plan
  paused: string[]
  resumed: string[]
}

// A subscription in these states may still hold a plan; an old one in any other state must not
// displace the account's current subscription.
const LIVE = new Set(['active', 'trialing', 'past_due', 'unpaid'])

/**
 * Plans and their changes: Stripe Checkout and the Customer Portal, Stripe's webhooks applied exactly
 * once, plans that lapse on their own (grace, period end), usage metered to Stripe, and the
 * administrator's hand when Stripe is not configured.
 */
export function createBillingService(deps: Deps, parts: { channels: ChannelService; webhooks: WebhookService; payments?: Payments }) {
  const db = deps.database.db
  const { config } = deps
  const { payments, channels, webhooks } = parts
  const meterQueue = () => deps.jobs.queue<MeterJob>(METER_QUEUE)
  const expiryQueue = () => deps.jobs.queue<PlanExpiryJob>(PLAN_EXPIRY_QUEUE)

  const priceToPlan = new Map<string, PaidPlan>(config.billing.stripe ? PAID_PLANS.map((p) => [config.billing.stripe!.prices[p], p]) : [])

  function requirePayments(): Payments {
    if (!payments)
      throw new Problem(409, 'Conflict', 'Billing is off on this installation (no STRIPE_SECRET_KEY); an administrator sets plans', {
        type: 'billing-disabled',
      })
    return payments
  }

  /** Sets the user's plan and fits their channels to it. Runs in the caller's transaction. */
  async function applyPlan(tx: Db, userId: string, plan: Plan): Promise<PlanChange | undefined> {
    const [u] = await tx.select({ plan: users.plan }).from(users).where(eq(users.id, userId)).for('update')
    if (!u || u.plan === plan) return undefined
    await tx.update(users).set({ plan, updatedAt: new Date() }).where(eq(users.id, userId))
    const fitted = await channels.fitToLimit(tx, userId, config.plans[plan].channels)
    return { userId, from: u.plan, to: plan, ...fitted }
  }

  /**
   * Records what a plan decision leads to, in the transaction that made it: the audit entry at once;
   * the caches, the user's webhooks and the next look at a plan that may lapse through the outbox, so a
   * crash or a Redis outage after the commit delays them and never loses them (a Stripe event applied
   * once is never applied again, so nothing else would bring them back). Do the answered rows with
   * `deps.outbox.flush` once committed.
   */
  async function recordOutcome(
    tx: Db,
    userId: string,
    outcome: { change?: PlanChange; until?: Date },
    reason: string,
    actorId?: string,
  ): Promise<number[]> {
    const rows: number[] = []
    const { change, until } = outcome
    if (change) {
      const data = { from: change.from, to: change.to, reason, pausedChannels: change.paused, resumedChannels: change.resumed }
      await deps.audit.record({ userId, actorId: actorId ?? null, type: 'plan.changed', data }, tx)
      rows.push(await deps.outbox.add(tx, 'billing.plan_changed', { userId, data }))
    }
    if (until) rows.push(await deps.outbox.add(tx, 'billing.lapse', { userId, until: until.getTime() }))
    return rows
  }
  deps.outbox.handle('billing.plan_changed', async ({ userId, data }, rowId) => {
    await invalidateUser(deps, userId)
    await webhooks.emit(userId, 'billing.plan_changed', data, `outbox-${rowId}`)
  })
  deps.outbox.handle('billing.lapse', ({ userId, until }) => scheduleLapse(userId, new Date(until)))

  /** Looks at the account again when the plan it holds would lapse (grace or period end). */
  async function scheduleLapse(userId: string, until: Date) {
    await expiryQueue().add(
      'lapse',
      { userId },
      {
        jobId: `${userId}.${until.getTime()}`,
        delay: Math.max(0, until.getTime() - Date.now()),
        attempts: 10,
        backoff: { type: 'exponential', delay: 5_000 },
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 30 * 24 * 3600 },
      },
    )
  }

  async function ensureCustomer(userId: string): Promise<AccountRow> {
    const stripe = requirePayments()
    return db.transaction(async (tx) => {
      // The user's row lock makes concurrent first calls wait for one customer; the idempotency key
      // covers a crash between Stripe's answer and our insert.
      const [user] = await tx.select().from(users).where(eq(users.id, userId)).for('update')
      if (!user) throw notFound('User')
      const [existing] = await tx.select().from(billingAccounts).where(eq(billingAccounts.userId, userId))
      if (existing) return existing
      const customerId = await stripe.createCustomer({ id: user.id, email: user.email }, `customer-${user.id}`)
      const [row] = await tx.insert(billingAccounts).values({ userId, stripeCustomerId: customerId }).returning()
      return row!
    })
  }

  function periodOf(account: AccountRow | undefined, now: Date) {
    if (account?.currentPeriodStart && account.currentPeriodEnd && LIVE.has(account.subscriptionStatus ?? ''))
      return { start: account.currentPeriodStart, end: account.currentPeriodEnd }
    return {
      start: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)),
      end: new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1)),
    }
  }

  /** Applies the subscription as Stripe has it now to the account; the caller holds the account's lock. */
  async function applySubscription(tx: Db, account: AccountRow, sub: SubscriptionState, now: Date) {
    const subscribedPlan = sub.priceIds.map((p) => priceToPlan.get(p)).find((p) => p !== undefined) ?? null
    const pastDueSince = sub.status === 'past_due' ? (account.subscriptionStatus === 'past_due' && account.pastDueSince) || now : null
    const [updated] = await tx
      .update(billingAccounts)
      .set({
        subscriptionId: sub.id,
        subscriptionStatus: sub.status,
        subscribedPlan,
        currentPeriodStart: sub.currentPeriodStart ?? null,
        currentPeriodEnd: sub.currentPeriodEnd ?? null,
        cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
        pastDueSince,
        updatedAt: now,
      })
      .where(eq(billingAccounts.userId, account.userId))
      .returning()
    const held = heldPlan(updated!, now, config.billing.pastDueGraceS)
    return { change: await applyPlan(tx, account.userId, held.plan), until: held.until }
  }

  return {
    enabled: payments !== undefined,

    async overview(userId: string) {
      const now = new Date()
      const [user] = await db.select({ plan: users.plan }).from(users).where(eq(users.id, userId))
      if (!user) throw notFound('User')
      const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.userId, userId))
      const period = periodOf(account, now)
      const [done] = await db
        .select({ n: count() })
        .from(videos)
        .where(
          and(
            eq(videos.userId, userId),
            eq(videos.status, 'completed'),
            gte(videos.finishedAt, period.start),
            lt(videos.finishedAt, period.end),
          ),
        )
      const owned = await db.select({ paused: channelRows.paused }).from(channelRows).where(eq(channelRows.userId, userId))
      const grace = account?.pastDueSince ? new Date(account.pastDueSince.getTime() + config.billing.pastDueGraceS * 1000) : null
      return {
        billingEnabled: payments !== undefined,
        plan: user.plan,
        subscription: account?.subscriptionId
          ? {
              status: account.subscriptionStatus!,
              plan: account.subscribedPlan,
              currentPeriodEnd: account.currentPeriodEnd?.toISOString() ?? null,
              cancelAtPeriodEnd: account.cancelAtPeriodEnd,
              graceEndsAt: account.subscriptionStatus === 'past_due' ? (grace?.toISOString() ?? null) : null,
            }
          : null,
        entitlements: config.plans[user.plan],
        usage: {
          periodStart: period.start.toISOString(),
          periodEnd: period.end.toISOString(),
          videosCompleted: done?.n ?? 0,
          videosLastDay: await videosInLastDay(db, userId, now),
          channels: owned.length,
          pausedChannels: owned.filter((c) => c.paused).length,
          storageBytes: await storageUsedBytes(db, userId),
        },
      }
    },

    async checkout(userId: string, plan: PaidPlan) {
      const stripe = requirePayments()
      const account = await ensureCustomer(userId)
      // A second subscription would bill twice: plan changes of a live one go through the portal.
      if (account.subscriptionId && LIVE.has(account.subscriptionStatus ?? ''))
        throw conflict('You already have a subscription; change or cancel it in the Customer Portal (POST /v1/billing/portal)')
      const prices = [
        config.billing.stripe!.prices[plan],
        ...(config.billing.stripe!.meteredPrice ? [config.billing.stripe!.meteredPrice] : []),
      ]
      const returnUrl = config.billing.returnUrl
      return stripe.checkoutSession({
        customerId: account.stripeCustomerId,
        userId,
        priceIds: prices,
        successUrl: `${returnUrl}?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancelUrl: `${returnUrl}?checkout=cancelled`,
      })
    },

    async portal(userId: string) {
      const stripe = requirePayments()
      const account = await ensureCustomer(userId)
      return stripe.portalSession({ customerId: account.stripeCustomerId, returnUrl: config.billing.returnUrl })
    },

    /**
     * Applies one Stripe webhook. The event id is recorded in the transaction of its effect (a redelivery,
     * or the same event twice at once, changes nothing), and the subscription is re-read from Stripe under
     * the account's lock, so events arriving late or out of order never roll it back.
     */
    async handleStripeEvent(rawBody: string, signature: string | null) {
      const stripe = requirePayments()
      if (!signature) throw new Problem(400, 'Bad Request', 'The Stripe-Signature header is missing', { type: 'invalid-signature' })
      let event: Awaited<ReturnType<Payments['verifyWebhook']>>
      try {
        event = await stripe.verifyWebhook(rawBody, signature)
      } catch (err) {
        if (err instanceof InvalidSignatureError)
          throw new Problem(400, 'Bad Request', `The webhook did not verify: ${err.message}`, { type: 'invalid-signature' })
        throw err
      }
      const now = new Date()
      let result: { outcome: 'applied' | 'ignored' | 'duplicate'; followUps?: number[] }
      try {
        result = await db.transaction(async (tx) => {
          const [account] = event.customerId
            ? await tx.select().from(billingAccounts).where(eq(billingAccounts.stripeCustomerId, event.customerId)).for('update')
            : []
          const actionable = account !== undefined && event.subscriptionId !== undefined
          const fresh = await tx
            .insert(stripeEvents)
            .values({ id: event.id, type: event.type, userId: account?.userId ?? null, outcome: actionable ? 'applied' : 'ignored' })
            .onConflictDoNothing()
            .returning({ id: stripeEvents.id })
          if (fresh.length === 0) return { outcome: 'duplicate' as const }
          if (!actionable) return { outcome: 'ignored' as const }
          const sub = await stripe.subscription(event.subscriptionId!)
          // An old subscription that ended must not displace the one the account now follows.
          if (account.subscriptionId && account.subscriptionId !== sub.id && !LIVE.has(sub.status)) {
            await tx.update(stripeEvents).set({ outcome: 'ignored' }).where(eq(stripeEvents.id, event.id))
            return { outcome: 'ignored' as const }
          }
          const applied = await applySubscription(tx, account, sub, now)
          return { outcome: 'applied' as const, followUps: await recordOutcome(tx, account.userId, applied, `stripe:${event.type}`) }
        })
      } catch (err) {
        // Nothing was recorded: Stripe redelivers the event later.
        deps.log.error({ err, eventId: event.id }, 'could not apply a Stripe event')
        throw new Problem(
          503,
          'Service Unavailable',
          'The event could not be applied now; it was not recorded, so a redelivery will apply it',
          {
            headers: { 'retry-after': '60' },
          },
        )
      }
      await deps.outbox.flush(result.followUps ?? [])
      return { received: true, outcome: result.outcome }
    },

    /**
     * Account erasure: the Stripe customer goes too, which cancels its subscriptions at once (nothing is
     * charged for an account that no longer exists). Throws while Stripe cannot be reached, so the
     * erasure stops before anything is deleted and can be asked for again.
     */
    async forget(userId: string) {
      const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.userId, userId))
      if (!account) return
      if (!payments) {
        deps.log.warn({ userId, customerId: account.stripeCustomerId }, 'billing is off: delete this Stripe customer by hand')
        return
      }
      try {
        await payments.deleteCustomer(account.stripeCustomerId)
      } catch (err) {
        deps.log.error({ err, userId }, 'could not delete the Stripe customer of an account being erased')
        throw new Problem(
          503,
          'Service Unavailable',
          'Stripe could not be reached to cancel the subscription and delete the customer; nothing was deleted, ask again later',
          { headers: { 'retry-after': '60' } },
        )
      }
    },

    /** Re-evaluates a plan that may have lapsed (the grace period or the paid period ended). */
    async lapse(userId: string) {
      const now = new Date()
      const result = await db.transaction(async (tx) => {
        const [account] = await tx.select().from(billingAccounts).where(eq(billingAccounts.userId, userId)).for('update')
        if (!account) return undefined
        const held = heldPlan(account, now, config.billing.pastDueGraceS)
        const outcome = { change: await applyPlan(tx, userId, held.plan), until: held.until }
        return { change: outcome.change, followUps: await recordOutcome(tx, userId, outcome, 'lapsed') }
      })
      await deps.outbox.flush(result?.followUps ?? [])
      return result?.change
    },

    /** An administrator's plan change, only while billing is off (then Stripe decides plans). */
    async setPlanByAdmin(actorId: string, userId: string, plan: Plan) {
      if (payments)
        throw new Problem(409, 'Conflict', 'Plans follow Stripe subscriptions on this installation; change them in Stripe', {
          type: 'billing-enabled',
        })
      const { change, followUps } = await db.transaction(async (tx) => {
        const [exists] = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId))
        if (!exists) throw notFound('User')
        const change = await applyPlan(tx, userId, plan)
        return { change, followUps: await recordOutcome(tx, userId, { change }, 'admin', actorId) }
      })
      await deps.outbox.flush(followUps)
      return change ?? { userId, from: plan, to: plan, paused: [], resumed: [] }
    },

    /** Queues a completed video for the meter (no-op without a meter configured). */
    async meterVideo(video: { id: string; userId: string; finishedAt: Date | null }) {
      if (!payments || !config.billing.stripe?.meterEventName) return
      await meterQueue().add(
        'meter',
        { videoId: video.id, userId: video.userId, at: (video.finishedAt ?? new Date()).toISOString() },
        {
          jobId: `meter-${video.id}`,
          attempts: 12,
          backoff: { type: 'exponential', delay: config.billing.meterRetryMs, jitter: 0.2 },
          removeOnComplete: { age: 7 * 24 * 3600 },
          removeOnFail: { age: 30 * 24 * 3600 },
        },
      )
    },

    /**
     * Reports one completed video to Stripe's meter. The video id is the meter event's identifier (Stripe
     * keeps one event per identifier); the idempotency key names the attempt, because Stripe replays the
     * first answer to a key, a 500 included, for a day.
     */
    async reportMeterEvent(job: MeterJob, idempotencyKey: string) {
      const stripe = requirePayments()
      const eventName = config.billing.stripe?.meterEventName
      if (!eventName) return 'no-meter'
      const [done] = await db.select().from(meterReports).where(eq(meterReports.videoId, job.videoId))
      if (done) return 'already-reported'
      const [account] = await db.select().from(billingAccounts).where(eq(billingAccounts.userId, job.userId))
      if (!account) return 'no-customer'
      await stripe.reportUsage(
        { eventName, customerId: account.stripeCustomerId, identifier: job.videoId, value: 1, at: new Date(job.at) },
        idempotencyKey,
      )
      await db
        .insert(meterReports)
        .values({ videoId: job.videoId, userId: job.userId, stripeCustomerId: account.stripeCustomerId })
        .onConflictDoNothing()
      return 'reported'
    },
  }
}
export type BillingService = ReturnType<typeof createBillingService>
