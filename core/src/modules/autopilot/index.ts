import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams, Uuid } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { BacklogInput, BacklogItem, ScheduleView } from './model'
import type { AutopilotService } from './service'

export function autopilotModule(deps: Deps, autopilot: AutopilotService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'autopilot-module', seed: deps.instanceId, prefix: '/channels/:id', detail: { tags: ['autopilot'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '/backlog',
      async ({ principal, params, body, set }) => {
        set.status = 201
        return { items: await autopilot.addBacklog(principal.userId, params.id, body.items) }
      },
      {
        auth: 'write',
        params: IdParams,
        body: BacklogInput,
        response: { 201: t.Object({ items: t.Array(BacklogItem) }) },
        detail: {
          summary: 'Queue topics or ready scripts for the autopilot',
          description: 'Used oldest first, one per slot. Topics need an LLM configured; scripts always work.',
        },
      },
    )
    .get('/backlog', async ({ principal, params }) => ({ items: await autopilot.listBacklog(principal.userId, params.id) }), {
      auth: 'read',
      params: IdParams,
      response: { 200: t.Object({ items: t.Array(BacklogItem) }) },
      detail: { summary: 'The unused backlog, in the order it will be used' },
    })
    .delete('/backlog', async ({ principal, params }) => ({ removed: await autopilot.removeBacklog(principal.userId, params.id) }), {
      auth: 'write',
      params: IdParams,
      response: { 200: t.Object({ removed: t.Number() }) },
      detail: { summary: 'Empty the backlog' },
    })
    .delete(
      '/backlog/:itemId',
      async ({ principal, params, set }) => {
        await autopilot.removeBacklog(principal.userId, params.id, params.itemId)
        set.status = 204
      },
      {
        auth: 'write',
        params: t.Object({ id: Uuid, itemId: Uuid }),
        detail: { summary: 'Remove one unused backlog item' },
      },
    )
    .post('/autopilot/resume', ({ principal, params }) => autopilot.resume(principal.userId, params.id), {
      auth: 'write',
      params: IdParams,
      response: { 200: ScheduleView },
      detail: {
        summary: 'Turn the autopilot on',
        description:
          "Each slot of the cadence (one video on each listed day at the local time, in the channel's time zone) gets a video made ahead of time and uploaded private with publishAt = the slot. Needs a connected YouTube channel.",
      },
    })
    .post('/autopilot/pause', ({ principal, params }) => autopilot.pause(principal.userId, params.id), {
      auth: 'write',
      params: IdParams,
      response: { 200: ScheduleView },
      detail: { summary: 'Pause the autopilot (videos already made still publish at their slots)' },
    })
    .get('/schedule', ({ principal, params }) => autopilot.schedule(principal.userId, params.id), {
      auth: 'read',
      params: IdParams,
      response: { 200: ScheduleView },
      detail: { summary: 'The next slots, and what happened to recent ones' },
    })
}
