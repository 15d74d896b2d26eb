import { ROLES } from '@ytempire/contract'
import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { IdCursor, IdParams, Offset, oneOf, strict, Uuid } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { PublicUser } from '../auth/model'
import { AuditEventView, auditView } from '../users'
import type { AdminService } from './service'

const Page = (maximum: number) => ({
  limit: t.Optional(t.Integer({ minimum: 1, maximum })),
  offset: t.Optional(Offset),
})

export function adminModule(deps: Deps, admin: AdminService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'admin-module', seed: deps.instanceId, prefix: '/admin', detail: { tags: ['admin'] } })
    .use(authGuard(deps, apiKeys))
    .get('/users', ({ query }) => admin.listUsers(query), {
      auth: 'admin',
      query: t.Object({ email: t.Optional(t.String({ maxLength: 254 })), ...Page(200) }, strict),
      response: { 200: t.Array(PublicUser) },
      detail: { summary: 'List users' },
    })
    .patch('/users/:id/role', ({ params, body, principal, ctx }) => admin.changeRole({ principal, ctx }, params.id, body.role), {
      auth: 'admin',
      params: IdParams,
      body: t.Object({ role: oneOf(ROLES) }, strict),
      response: { 200: PublicUser },
      detail: { summary: "Change a user's role (ends their sessions)" },
    })
    .delete('/users/:id/mfa', ({ params, principal, ctx }) => admin.resetMfa({ principal, ctx }, params.id), {
      auth: { access: 'admin', interactive: true },
      params: IdParams,
      response: { 200: PublicUser },
      detail: {
        summary: "Reset a user's two-factor authentication",
        description:
          'For a user who lost both authenticator and recovery codes: MFA off, their sessions end; audited with the admin as actor.',
      },
    })
    .get('/audit', async ({ query }) => (await admin.auditLog(query)).map(auditView), {
      auth: 'admin',
      query: t.Object(
        {
          userId: t.Optional(Uuid),
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
          before: t.Optional(IdCursor),
        },
        strict,
      ),
      response: { 200: t.Array(AuditEventView) },
      detail: { summary: 'The audit log of every account, or of one' },
    })
    .post('/signing-keys/rotate', ({ principal, ctx }) => admin.rotateSigningKey({ principal, ctx }), {
      auth: 'admin',
      detail: {
        summary: 'Rotate the JWT signing key',
        description: 'New tokens use the new key; the old public key stays in the JWKS until its tokens expire.',
      },
    })
    .get('/dead-letters', ({ query }) => admin.deadLetters(query), {
      auth: 'admin',
      query: t.Object(Page(200), strict),
      detail: {
        summary: 'Videos whose stage failed its last attempt',
        description: 'Each entry carries the stage, the reason, the attempts and the job to re-drive.',
      },
    })
    .post('/dead-letters/:id/redrive', ({ params }) => admin.redriveDeadLetter(params.id), {
      auth: 'admin',
      params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }),
      detail: { summary: 'Run a dead-lettered video again' },
    })
    .get('/unknown-video-reports', ({ query }) => admin.unknownVideoReports(query), {
      auth: 'admin',
      query: t.Object(
        {
          limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
          before: t.Optional(t.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER })),
        },
        strict,
      ),
      detail: {
        summary: 'Worker reports about videos this installation does not know',
        description:
          'Kept, never dropped: another installation sharing the queue namespace, or a video erased while its job ran. Newest first; page with `before` (the last id seen).',
      },
    })
    .post('/secrets/reseal', ({ principal, ctx }) => admin.resealSecrets({ principal, ctx }), {
      auth: 'admin',
      detail: { summary: 'Re-encrypt secrets at rest under the current key of SECRET_KEYS' },
    })
}
