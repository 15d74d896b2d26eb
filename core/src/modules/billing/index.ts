import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { AdminPlanBody, BillingView, CheckoutBody, PlanChangeView } from './model'
import type { BillingService } from './service'

export function billingModule(deps: Deps, billing: BillingService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'billing-module', seed: deps.instanceId, detail: { tags: ['billing'] } })
    .use(authGuard(deps, apiKeys))
    .get('/billing', ({ principal }) => billing.overview(principal.userId), {
      auth: 'read',
      response: { 200: BillingView },
      detail: { summary: 'Your plan, subscription, entitlements and usage this period' },
    })
    .post('/billing/checkout', ({ principal, body }) => billing.checkout(principal.userId, body.plan), {
      auth: 'write',
      body: CheckoutBody,
      response: { 200: t.Object({ id: t.String(), url: t.String({ description: 'send the user here (Stripe Checkout)' }) }) },
      detail: {
        summary: 'A Stripe Checkout Session for a plan',
        description: '409 when billing is off or a subscription is already live.',
      },
    })
    .post('/billing/portal', ({ principal }) => billing.portal(principal.userId), {
      auth: 'write',
      response: { 200: t.Object({ url: t.String({ description: 'the Stripe Customer Portal' }) }) },
      detail: { summary: 'A Stripe Customer Portal session: change plan, payment method, cancel' },
    })
    .patch('/admin/users/:id/plan', ({ principal, params, body }) => billing.setPlanByAdmin(principal.userId, params.id, body.plan), {
      auth: 'admin',
      params: IdParams,
      body: AdminPlanBody,
      response: { 200: PlanChangeView },
      detail: {
        summary: "Set a user's plan (only while billing is off)",
        description: 'A downgrade pauses the channels over the new count, newest first; an upgrade resumes them.',
      },
    })
}

/** Stripe's webhooks: no user, the signature on the raw body is the authentication. */
export function stripeWebhookModule(deps: Deps, billing: BillingService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'stripe-webhook-module', seed: deps.instanceId, detail: { tags: ['billing'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '/webhooks/stripe',
      async ({ request }) => billing.handleStripeEvent(await request.text(), request.headers.get('stripe-signature')),
      {
        // Counted by source IP in the webhook class (600/min), like every incoming webhook.
        anonymous: true,
        parse: 'none',
        response: { 200: t.Object({ received: t.Boolean(), outcome: t.String({ description: 'applied, ignored or duplicate' }) }) },
        detail: {
          summary: 'Stripe webhook endpoint',
          description: 'Verified on the raw body (Stripe-Signature, 300 s tolerance); each event applied once.',
          security: [],
        },
      },
    )
}
