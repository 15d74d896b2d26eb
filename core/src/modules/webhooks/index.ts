import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams, Uuid } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { CreatedEndpoint, CreateEndpoint, DeliveriesQuery, DeliveryView, EndpointView, UpdateEndpoint } from './model'
import type { WebhookService } from './service'

export function webhooksModule(deps: Deps, webhooks: WebhookService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'webhooks-module', seed: deps.instanceId, prefix: '/webhooks/endpoints', detail: { tags: ['webhooks'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '',
      async ({ principal, body, set, ctx }) => {
        const created = await webhooks.create(principal.userId, body)
        await deps.audit.record({
          userId: principal.userId,
          type: 'webhook_endpoint.created',
          request: ctx,
          data: { endpointId: created.id, url: created.url },
        })
        set.status = 201
        return created
      },
      {
        auth: 'write',
        body: CreateEndpoint,
        response: { 201: CreatedEndpoint },
        detail: {
          summary: 'Register a webhook endpoint',
          description:
            'Deliveries follow Standard Webhooks (`webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`); the `whsec_` secret is shown only in this answer. Only public https addresses.',
        },
      },
    )
    .get('', ({ principal }) => webhooks.list(principal.userId), {
      auth: 'read',
      response: { 200: t.Array(EndpointView) },
      detail: { summary: 'Your webhook endpoints' },
    })
    .get('/:id', ({ principal, params }) => webhooks.get(principal.userId, params.id), {
      auth: 'read',
      params: IdParams,
      response: { 200: EndpointView },
      detail: { summary: 'One webhook endpoint' },
    })
    .patch('/:id', ({ principal, params, body }) => webhooks.update(principal.userId, params.id, body), {
      auth: 'write',
      params: IdParams,
      body: UpdateEndpoint,
      response: { 200: EndpointView },
      detail: { summary: 'Change an endpoint, or re-enable it (`enabled: true`)' },
    })
    .delete(
      '/:id',
      async ({ principal, params, set, ctx }) => {
        await webhooks.remove(principal.userId, params.id)
        await deps.audit.record({
          userId: principal.userId,
          type: 'webhook_endpoint.deleted',
          request: ctx,
          data: { endpointId: params.id },
        })
        set.status = 204
      },
      { auth: 'write', params: IdParams, detail: { summary: 'Delete an endpoint (queued deliveries to it are dropped)' } },
    )
    .post(
      '/:id/secret/rotate',
      async ({ principal, params, ctx }) => {
        const rotated = await webhooks.rotateSecret(principal.userId, params.id)
        await deps.audit.record({
          userId: principal.userId,
          type: 'webhook_endpoint.secret_rotated',
          request: ctx,
          data: { endpointId: rotated.id, previousSecretExpiresAt: rotated.previousSecretExpiresAt },
        })
        return rotated
      },
      {
        auth: 'write',
        params: IdParams,
        response: { 200: CreatedEndpoint },
        detail: {
          summary: 'Rotate the signing secret (the old one keeps signing for a grace period)',
          description:
            'Issues a new `whsec_` secret, shown only in this answer. Until `previousSecretExpiresAt` (`WEBHOOKS_ROTATION_GRACE_HOURS`, 24 h by default) each delivery carries two signatures, `webhook-signature: v1,<new> v1,<old>`, so a receiver still holding the old secret keeps verifying while you switch it over; then only the new secret signs. Rotating again within the grace replaces the old secret.',
        },
      },
    )
    .get('/:id/deliveries', ({ principal, params, query }) => webhooks.deliveries(principal.userId, params.id, query), {
      auth: 'read',
      params: IdParams,
      query: DeliveriesQuery,
      response: { 200: t.Array(DeliveryView) },
      detail: {
        summary: 'Every delivery attempt, newest first',
        description: 'Status code, latency and the first bytes of the answer of each attempt; page with `before`.',
      },
    })
    .post(
      '/:id/deliveries/:deliveryId/resend',
      async ({ principal, params, set }) => {
        set.status = 202
        return webhooks.resend(principal.userId, params.id, params.deliveryId)
      },
      {
        auth: 'write',
        params: t.Object({ id: Uuid, deliveryId: Uuid }),
        response: { 202: t.Object({ messageId: t.String() }) },
        detail: { summary: "Send a delivery's message again (one more attempt, same webhook-id)" },
      },
    )
    .post(
      '/:id/ping',
      async ({ principal, params, set }) => {
        set.status = 202
        return webhooks.ping(principal.userId, params.id)
      },
      {
        auth: 'write',
        params: IdParams,
        response: { 202: t.Object({ messageId: t.String() }) },
        detail: { summary: 'Send a `ping` event to the endpoint' },
      },
    )
}
