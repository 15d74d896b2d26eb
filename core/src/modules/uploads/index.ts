import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdParams, strict } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import type { UploadService } from './service'

const UploadView = t.Object({
  id: t.String(),
  key: t.String({ description: 'use it in a video request: media[] or music' }),
  name: t.String(),
  contentType: t.String(),
  size: t.Number(),
  createdAt: t.String(),
})

export function uploadsModule(deps: Deps, uploads: UploadService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'uploads-module', seed: deps.instanceId, prefix: '/uploads', detail: { tags: ['uploads'] } })
    .use(authGuard(deps, apiKeys))
    .post(
      '',
      async ({ principal, request, query, set }) => {
        set.status = 201
        return uploads.create(principal.userId, request, query.name ?? 'upload')
      },
      {
        auth: 'write',
        parse: 'none',
        query: t.Object({ name: t.Optional(t.String({ minLength: 1, maxLength: 200, description: 'your name for the file' })) }, strict),
        response: { 201: UploadView },
        detail: {
          summary: 'Upload your own media',
          description:
            'The file is the raw request body (any Content-Type; the bytes decide). Images, clips and audio up to MAX_UPLOAD_BYTES. Use the returned key in a video request.',
        },
      },
    )
    .get('', ({ principal }) => uploads.list(principal.userId), {
      auth: 'read',
      response: { 200: t.Array(UploadView) },
      detail: { summary: 'Your uploads' },
    })
    .delete(
      '/:id',
      async ({ principal, params, set }) => {
        await uploads.remove(principal.userId, params.id)
        set.status = 204
      },
      { auth: 'write', params: IdParams, detail: { summary: 'Delete an upload' } },
    )
}
