// The publish workers' side of the core: each call carries the job's grant (Authorization: Bearer
// ypg_...), which opens one video's publication and nothing else. Access tokens go out here, over
// HTTP to the worker that asked, and are never written to Redis; refresh tokens never go out at all.
// Not part of the public API: nginx refuses /internal/ from outside (deploy/nginx.conf).
import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { strict, Uuid } from '../../http/schema'
import { LimitInput, MethodInput, SessionInput, ThumbnailInput, TokenInput, UploadedInput } from './model'
import type { PublicationService } from './publications'

const VideoId = t.Object({ videoId: Uuid })
const hidden = { hide: true }

export function publishWorkerModule(deps: Deps, publications: PublicationService) {
  return new Elysia({ name: 'publish-worker-module', seed: deps.instanceId, prefix: '/internal/youtube/publications/:videoId' })
    .resolve(async ({ params, request }) => {
      const bearer = request.headers.get('authorization')?.replace(/^Bearer\s+/i, '')
      return { publication: await publications.authenticate((params as { videoId: string }).videoId, bearer) }
    })
    .post('/begin', ({ publication }) => publications.begin(publication), { params: VideoId, detail: hidden })
    .post('/token', ({ publication, body }) => publications.accessToken(publication, body?.refused), {
      params: VideoId,
      body: t.Optional(TokenInput),
      detail: hidden,
    })
    .post('/quota', ({ publication, body }) => publications.reserve(publication, body.method), {
      params: VideoId,
      body: MethodInput,
      detail: hidden,
    })
    .post('/limit', ({ publication, body }) => publications.limit(publication, body.method, body.reason), {
      params: VideoId,
      body: LimitInput,
      detail: hidden,
    })
    .put('/session', ({ publication, body }) => publications.storeSession(publication, body.uri, body.size), {
      params: VideoId,
      body: SessionInput,
      detail: hidden,
    })
    .delete(
      '/session',
      async ({ publication, set }) => {
        await publications.dropSession(publication)
        set.status = 204
      },
      { params: VideoId, detail: hidden },
    )
    .post(
      '/session/final',
      async ({ publication, set }) => {
        await publications.finalChunk(publication)
        set.status = 204
      },
      { params: VideoId, detail: hidden },
    )
    .post('/uploaded', ({ publication, body }) => publications.uploaded(publication, body), {
      params: VideoId,
      body: UploadedInput,
      detail: hidden,
    })
    .post(
      '/thumbnail',
      async ({ publication, body, set }) => {
        await publications.thumbnail(publication, body.outcome, body.warning)
        set.status = 204
      },
      { params: VideoId, body: ThumbnailInput, detail: hidden },
    )
    .post(
      '/failed',
      async ({ publication, body, set }) => {
        await publications.failed(publication.videoId, body.reason)
        set.status = 204
      },
      { params: VideoId, body: t.Object({ reason: t.String({ maxLength: 2000 }) }, strict), detail: hidden },
    )
}
