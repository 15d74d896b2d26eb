import { t } from 'elysia'
import { oneOf, strict } from '../../http/schema'
import { SCOPES } from '../auth/principal'

export const ApiKeyView = t.Object({
  id: t.String(),
  name: t.String(),
  prefix: t.String(),
  scopes: t.Array(t.String()),
  createdAt: t.String(),
  lastUsedAt: t.Nullable(t.String()),
  expiresAt: t.Nullable(t.String()),
  revokedAt: t.Nullable(t.String()),
})
export type ApiKeyView = typeof ApiKeyView.static

export const CreateApiKey = t.Object(
  {
    name: t.String({ minLength: 1, maxLength: 100 }),
    scopes: t.Array(oneOf(SCOPES), { minItems: 1, maxItems: 3, uniqueItems: true }),
    expiresInDays: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
  },
  strict,
)
export type CreateApiKey = typeof CreateApiKey.static

export const CreatedApiKey = t.Composite([
  ApiKeyView,
  t.Object({ key: t.String({ description: 'The full key; shown only in this response' }) }),
])
