import Stripe from 'stripe'
import type { StripeConfig } from '../../config'
import { InvalidSignatureError } from './invalid-signature-error'
import type { PaymentEvent, Payments, SubscriptionState } from './payments'

/** Stripe checks a webhook's timestamp against this window (seconds), as its own docs recommend. */
export const WEBHOOK_TOLERANCE_S = 300

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : v?.id)

export function createStripePayments(config: StripeConfig): Payments {
  const stripe = new Stripe(config.secretKey, {
    host: config.api.host,
    port: config.api.port,
    protocol: config.api.protocol,
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
  })

  return {
    async createCustomer(user, idempotencyKey) {
      const customer = await stripe.customers.create({ email: user.email, metadata: { userId: user.id } }, { idempotencyKey })
      return customer.id
    },

    async deleteCustomer(customerId) {
      try {
        await stripe.customers.del(customerId)
      } catch (err) {
        if (err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'resource_missing') return
        throw err
      }
    },

    async checkoutSession(p) {
      const session = await stripe.checkout.sessions.create({
        mode: 'subscription',
        customer: p.customerId,
        client_reference_id: p.userId,
        line_items: p.priceIds.map((price, i) => (i === 0 ? { price, quantity: 1 } : { price })),
        subscription_data: { metadata: { userId: p.userId } },
        success_url: p.successUrl,
        cancel_url: p.cancelUrl,
      })
      if (!session.url) throw new Error('Stripe returned a Checkout Session without a URL')
      return { id: session.id, url: session.url }
    },

    async portalSession(p) {
      const session = await stripe.billingPortal.sessions.create({ customer: p.customerId, return_url: p.returnUrl })
      return { url: session.url }
    },

    async subscription(id) {
      const s = await stripe.subscriptions.retrieve(id)
      // Since API 2025-03-31 the billing period lives on the items; the subscription's is the earliest end.
      const items = s.items.data
      const ends = items.map((i) => i.current_period_end).filter((n): n is number => typeof n === 'number')
      const starts = items.map((i) => i.current_period_start).filter((n): n is number => typeof n === 'number')
      const state: SubscriptionState = {
        id: s.id,
        customerId: idOf(s.customer) ?? '',
        status: s.status,
        priceIds: items.map((i) => i.price.id),
        currentPeriodStart: starts.length ? new Date(Math.max(...starts) * 1000) : undefined,
        currentPeriodEnd: ends.length ? new Date(Math.min(...ends) * 1000) : undefined,
        cancelAtPeriodEnd: s.cancel_at_period_end,
      }
      return state
    },

    async verifyWebhook(rawBody, signature) {
      let event: Stripe.Event
      try {
        // The synchronous constructEvent throws on Bun (SubtleCrypto only); this is the async one.
        event = await stripe.webhooks.constructEventAsync(rawBody, signature, config.webhookSecret, WEBHOOK_TOLERANCE_S)
      } catch (err) {
        throw new InvalidSignatureError((err as Error).message)
      }
      return reduceEvent(event)
    },

    async reportUsage(p, idempotencyKey) {
      try {
        await stripe.billing.meterEvents.create(
          {
            event_name: p.eventName,
            payload: { stripe_customer_id: p.customerId, value: String(p.value) },
            identifier: p.identifier,
            timestamp: Math.floor(p.at.getTime() / 1000),
          },
          { idempotencyKey },
        )
      } catch (err) {
        // Stripe enforces the identifier's uniqueness: a duplicate means this usage was already recorded.
        if (err instanceof Stripe.errors.StripeInvalidRequestError && /duplicate|already exists/i.test(`${err.code} ${err.message}`)) return
        throw err
      }
    },
  }
}

/** The customer and subscription an event concerns, whichever object it carries. */
function reduceEvent(event: Stripe.Event): PaymentEvent {
  const object = event.data.object as unknown as Record<string, unknown> & { object?: string }
  const customerId = idOf(object.customer as string | { id: string } | null)
  let subscriptionId: string | undefined
  if (object.object === 'subscription') subscriptionId = object.id as string
  else if (object.object === 'checkout.session') subscriptionId = idOf(object.subscription as string | { id: string } | null)
  else if (object.object === 'invoice') {
    const parent = object.parent as { subscription_details?: { subscription?: string | { id: string } } } | null | undefined
    subscriptionId = idOf(parent?.subscription_details?.subscription ?? (object.subscription as string | null | undefined))
  }
  return { id: event.id, type: event.type, customerId, subscriptionId }
}
