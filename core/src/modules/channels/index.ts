import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { cachedForUser, invalidateUser } from '../../http/cached'
import { IdParams } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { ChannelView, CreateChannel, UpdateChannel } from './model'
import type { ChannelService } from './service'

export function channelsModule(deps: Deps, channels: ChannelService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'channels-module', seed: deps.instanceId, prefix: '/channels', detail: { tags: ['channels'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '',
      async ({ principal, body, set }) => {
        const created = await channels.create(principal.userId, body)
        await invalidateUser(deps, principal.userId, set)
        set.status = 201
        return created
      },
      {
        auth: 'write',
        body: CreateChannel,
        response: { 201: ChannelView },
        detail: {
          summary: 'Create a channel',
          description: 'Limited by the plan (`channels`: 5 on free); over it answers 403 plan-limit.',
        },
      },
    )
    .get('', (c) => cachedForUser(deps, c, 'api', () => channels.list(c.principal.userId)), {
      auth: 'read',
      response: { 200: t.Array(ChannelView) },
      detail: { summary: 'Your channels' },
    })
    .get('/:id', (c) => cachedForUser(deps, c, 'api', () => channels.view(c.principal.userId, c.params.id)), {
      auth: 'read',
      params: IdParams,
      response: { 200: ChannelView },
      detail: { summary: 'One channel' },
    })
    .patch(
      '/:id',
      async ({ principal, params, body, set }) => {
        const updated = await channels.update(principal.userId, params.id, body)
        await invalidateUser(deps, principal.userId, set)
        return updated
      },
      { auth: 'write', params: IdParams, body: UpdateChannel, response: { 200: ChannelView }, detail: { summary: 'Change a channel' } },
    )
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        await channels.remove(principal.userId, params.id)
        await invalidateUser(deps, principal.userId, set)
        set.status = 204
      },
      { auth: 'write', params: IdParams, detail: { summary: 'Delete a channel and its videos (refused while videos are in progress)' } },
    )
}
