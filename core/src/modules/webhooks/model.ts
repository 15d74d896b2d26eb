import { WEBHOOK_EVENT_TYPES } from '@ytempire/contract'
import { t } from 'elysia'
import { strict } from '../../http/schema'

export const WebhookEventType = t.UnionEnum(WEBHOOK_EVENT_TYPES, { description: WEBHOOK_EVENT_TYPES.join(', ') })

const fields = {
  url: t.String({ minLength: 8, maxLength: 2048, description: 'a public https:// address; redirects are not followed' }),
  events: t.Array(WebhookEventType, { minItems: 1, maxItems: WEBHOOK_EVENT_TYPES.length, uniqueItems: true }),
  description: t.String({ maxLength: 500 }),
}

export const CreateEndpoint = t.Object({ url: fields.url, events: fields.events, description: t.Optional(fields.description) }, strict)

export const UpdateEndpoint = t.Object(
  {
    url: t.Optional(fields.url),
    events: t.Optional(fields.events),
    description: t.Optional(fields.description),
    enabled: t.Optional(t.Boolean({ description: 'true re-enables an endpoint that was disabled after failing for days' })),
  },
  strict,
)

export const EndpointView = t.Object({
  id: t.String(),
  url: t.String(),
  description: t.String(),
  events: t.Array(t.String()),
  enabled: t.Boolean(),
  disabledAt: t.Nullable(t.String()),
  disabledReason: t.Nullable(t.String({ description: 'why deliveries stopped, e.g. failing for 5 days' })),
  failingSince: t.Nullable(t.String({ description: 'start of the current run of failed attempts' })),
  previousSecretExpiresAt: t.Nullable(
    t.String({ description: 'after a secret rotation: until then deliveries carry a signature by the old secret too' }),
  ),
  createdAt: t.String(),
  updatedAt: t.String(),
})

export const CreatedEndpoint = t.Composite([
  EndpointView,
  t.Object({ secret: t.String({ description: 'whsec_...: shown once; verify `webhook-signature` with it' }) }),
])

export const DeliveryView = t.Object({
  id: t.String(),
  messageId: t.String({ description: 'the webhook-id header, the same on every attempt at one message' }),
  eventType: t.String(),
  attempt: t.Number(),
  trigger: t.String({ description: 'first, retry (backoff) or resend (asked for)' }),
  succeeded: t.Boolean(),
  statusCode: t.Nullable(t.Number()),
  error: t.Nullable(t.String()),
  latencyMs: t.Number(),
  responseExcerpt: t.Nullable(t.String()),
  createdAt: t.String(),
})

export const DeliveriesQuery = t.Object(
  {
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 100 })),
    before: t.Optional(t.String({ format: 'date-time', description: 'createdAt of the last delivery of the previous page' })),
  },
  strict,
)
