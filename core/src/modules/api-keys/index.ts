import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams } from '../../http/schema'
import { authGuard } from '../auth/guard'
import { ApiKeyView, CreateApiKey, CreatedApiKey } from './model'
import type { ApiKeyService } from './service'

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
        body: CreateApiKey,
        response: { 201: CreatedApiKey },
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
