import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams, strict } from '../../http/schema'
import { authGuard } from '../auth/guard'
import type { ApiKeyService } from './service'

const Scope = t.Union([t.Literal('read'), t.Literal('write'), t.Literal('admin')])
const ApiKeyView = t.Object({
  id: t.String(),
  name: t.String(),
  prefix: t.String(),
  scopes: t.Array(t.String()),
  createdAt: t.String(),
  lastUsedAt: t.Nullable(t.String()),
  expiresAt: t.Nullable(t.String()),
  revokedAt: t.Nullable(t.String()),
})

export function apiKeysModule(deps: Deps, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'api-keys-module', seed: deps.instanceId, prefix: '/api-keys', detail: { tags: ['api keys'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '',
      async ({ principal, body, ctx, set }) => {
        const created = await apiKeys.create(principal, body)
        await deps.audit.record({
          userId: principal.userId,
          type: 'api_key.created',
          request: ctx,
          data: { apiKeyId: created.id, scopes: created.scopes },
        })
        set.status = 201
        return created
      },
      {
        auth: { access: 'write', interactive: true },
        body: t.Object(
          {
            name: t.String({ minLength: 1, maxLength: 100 }),
            scopes: t.Array(Scope, { minItems: 1, maxItems: 3, uniqueItems: true }),
            expiresInDays: t.Optional(t.Integer({ minimum: 1, maximum: 3650 })),
          },
          strict,
        ),
        response: {
          201: t.Composite([ApiKeyView, t.Object({ key: t.String({ description: 'The full key; shown only in this response' }) })]),
        },
        detail: {
          summary: 'Create an API key',
          description: 'The key is returned once and stored hashed. Use it as `Authorization: Bearer ytk_...`.',
        },
      },
    )
    .get('', ({ principal }) => apiKeys.list(principal.userId), {
      auth: 'read',
      response: { 200: t.Array(ApiKeyView) },
      detail: { summary: 'Your API keys (without secrets)' },
    })
    .delete(
      '/:id',
      async ({ principal, params, ctx, set }) => {
        await apiKeys.revoke(principal.userId, params.id)
        await deps.audit.record({ userId: principal.userId, type: 'api_key.revoked', request: ctx, data: { apiKeyId: params.id } })
        set.status = 204
      },
      {
        auth: 'write',
        params: IdParams,
        detail: { summary: 'Revoke an API key (takes effect on every instance at once)' },
      },
    )
}
