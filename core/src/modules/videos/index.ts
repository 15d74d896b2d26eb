import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams, strict } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { serveObject } from './files'
import { CostLine, CreateVideo, CreateVideoBatch, ListVideosQuery, VideoView } from './model'
import { progressStream } from './progress-stream'
import type { VideoService } from './service'

const IdempotencyHeaders = t.Object({ 'idempotency-key': t.Optional(t.String({ minLength: 1, maxLength: 200 })) })

export function videosModule(deps: Deps, videos: VideoService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'videos-module', seed: deps.instanceId, detail: { tags: ['videos'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '/channels/:id/videos',
      async ({ principal, params, body, headers, set }) => {
        const { video, replayed } = await videos.submit(principal, params.id, body, headers['idempotency-key'])
        set.status = replayed ? 200 : 202
        if (replayed) set.headers['idempotent-replayed'] = 'true'
        set.headers.location = video.links.self
        return video
      },
      {
        auth: 'write',
        params: IdParams,
        body: CreateVideo,
        headers: IdempotencyHeaders,
        response: { 200: VideoView, 202: VideoView },
        detail: {
          summary: 'Ask for a video',
          description:
            'Queues the pipeline (script → voice ‖ visuals → render → thumbnail) and answers 202 at once. `Idempotency-Key` makes a retry return the same video. Limited to 10 per hour (video_generation).',
        },
      },
    )
    .post(
      '/channels/:id/videos/batch',
      async ({ principal, params, body, set }) => {
        set.status = 202
        return { videos: await videos.submitBatch(principal, params.id, body.videos) }
      },
      {
        auth: 'write',
        params: IdParams,
        body: CreateVideoBatch,
        response: { 202: t.Object({ videos: t.Array(VideoView) }) },
        detail: {
          summary: 'Ask for up to 50 videos at once',
          description:
            'All or nothing: an invalid item refuses the batch and is named. Each video counts as one video_generation request (10 per hour).',
        },
      },
    )
    .get('/videos', ({ principal, query }) => videos.list(principal.userId, query), {
      auth: 'read',
      query: ListVideosQuery,
      response: { 200: t.Object({ items: t.Array(VideoView), nextCursor: t.Nullable(t.String()) }) },
      detail: { summary: 'Your videos, newest first', description: 'Filter by channelId and status; page with cursor.' },
    })
    .get('/videos/:id', ({ principal, params }) => videos.view(principal.userId, params.id), {
      auth: 'read',
      params: IdParams,
      response: { 200: VideoView },
      detail: { summary: 'Status, stage, progress and error of a video' },
    })
    .get('/videos/:id/events', ({ principal, params, request }) => progressStream(deps, videos, apiKeys, principal, params.id, request), {
      auth: 'read',
      params: IdParams,
      detail: {
        summary: 'Server-Sent Events of stage and progress changes',
        description:
          'A `snapshot` event, then an `update` event (the whole video, with its `updatedAt`) on every change, re-checked every 15 s; the stream ends when the video is completed, failed or cancelled and is not being published, or when the session that opened it ends (logout, revocation).',
      },
    })
    .post('/videos/:id/cancel', ({ principal, params }) => videos.cancel(principal.userId, params.id), {
      auth: 'write',
      params: IdParams,
      response: { 200: VideoView },
      detail: { summary: 'Cancel a queued or running video (a running ffmpeg is stopped)' },
    })
    .get(
      '/videos/:id/file',
      async ({ principal, params, request }) => {
        const v = await videos.get(principal.userId, params.id)
        return serveObject(deps.storage, v.videoKey, request.headers.get('range'), { filename: `${v.id}.mp4` })
      },
      {
        auth: { access: 'read', grant: true },
        params: IdParams,
        detail: {
          summary: 'The MP4 (HTTP Range supported)',
          description:
            'Each video counts once per expensive_operations window (100 a day), however many Range requests play or download it; every request also counts against the default limit.',
        },
      },
    )
    .get(
      '/videos/:id/thumbnail',
      async ({ principal, params, request }) => {
        const v = await videos.get(principal.userId, params.id)
        return serveObject(deps.storage, v.thumbnailKey, request.headers.get('range'), { filename: `${v.id}.jpg` })
      },
      { auth: { access: 'read', grant: true }, params: IdParams, detail: { summary: 'The 1280x720 JPEG thumbnail' } },
    )
    .get('/videos/:id/cost', ({ principal, params }) => videos.costOf(principal.userId, params.id), {
      auth: 'read',
      params: IdParams,
      response: {
        200: t.Object({ videoId: t.String(), totalUsd: t.Number(), byStage: t.Record(t.String(), t.Number()), items: t.Array(CostLine) }),
      },
      detail: { summary: 'What the video cost, by stage and line item' },
    })
    .get('/me/costs', ({ principal, query }) => videos.monthlyCost(principal.userId, query.month ?? new Date().toISOString().slice(0, 7)), {
      auth: 'read',
      query: t.Object(
        { month: t.Optional(t.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM (UTC); default this month' })) },
        strict,
      ),
      response: {
        200: t.Object({ month: t.String(), totalUsd: t.Number(), byKind: t.Record(t.String(), t.Number()), videos: t.Number() }),
      },
      detail: { summary: 'Your costs for a month' },
    })
}
