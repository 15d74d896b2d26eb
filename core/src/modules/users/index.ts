import { Elysia, t } from 'elysia'
import type { Deps } from '../../deps'
import { cachedForUser } from '../../http/cached'
import { IdCursor, IdParams, strict } from '../../http/schema'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { NewPassword, PublicUser } from '../auth/model'
import type { AuthService } from '../auth/service'
import type { UserService } from './service'

const Page = t.Object({ limit: t.Optional(t.Integer({ minimum: 1, maximum: 200, default: 50 })), before: t.Optional(IdCursor) }, strict)
export const AuditEventView = t.Object({
  id: t.Number(),
  type: t.String(),
  ip: t.Nullable(t.String()),
  createdAt: t.String(),
  data: t.Record(t.String(), t.Unknown()),
  actorId: t.Nullable(t.String()),
})
export const auditView = (a: {
  id: number
  type: string
  ip: string | null
  createdAt: Date
  data: Record<string, unknown>
  actorId: string | null
}) => ({ id: a.id, type: a.type, ip: a.ip, createdAt: a.createdAt.toISOString(), data: a.data, actorId: a.actorId })

export function usersModule(deps: Deps, users: UserService, auth: AuthService, apiKeys: ApiKeyService) {
  return new Elysia({ name: 'users-module', seed: deps.instanceId, prefix: '/me', detail: { tags: ['account'] } })
    .use(authGuard(deps, apiKeys))
    .get('', (c) => cachedForUser(deps, c, 'api', () => users.me(c.principal.userId)), {
      auth: 'read',
      response: { 200: PublicUser },
      detail: { summary: 'The signed-in account', description: 'Cached per user for 300 s; dropped on any change to the account.' },
    })
    .post(
      '/password',
      async ({ principal, body, ctx, set }) => {
        await auth.changePassword(principal.userId, body, ctx, principal.sessionId)
        set.status = 204
      },
      {
        auth: { access: 'read', interactive: true },
        body: t.Object({ currentPassword: t.String({ maxLength: 256 }), newPassword: NewPassword }, strict),
        detail: { summary: 'Change the password (signs out every other session)' },
      },
    )
    .get('/sessions', ({ principal }) => users.sessions(principal.userId, principal.sessionId), {
      auth: 'read',
      detail: { summary: 'Active sessions' },
    })
    .delete(
      '/sessions/:id',
      async ({ principal, params, ctx, set }) => {
        await users.revokeSession(principal.userId, params.id, ctx)
        set.status = 204
      },
      {
        auth: { access: 'read', interactive: true },
        params: IdParams,
        detail: { summary: 'End one of your sessions' },
      },
    )
    .get(
      '/audit',
      async ({ principal, query }) =>
        (await deps.audit.list({ userId: principal.userId, before: query.before, limit: query.limit ?? 50 })).map(auditView),
      {
        auth: 'read',
        query: Page,
        response: { 200: t.Array(AuditEventView) },
        detail: { summary: 'Security events on your account, newest first' },
      },
    )
    .get(
      '/export',
      ({ principal, ctx, set }) => {
        set.headers['content-disposition'] = 'attachment; filename="ytempire-export.json"'
        set.headers['cache-control'] = 'no-store'
        return users.export(principal.userId, ctx)
      },
      { auth: 'read', detail: { summary: 'GDPR export: all of your data as JSON' } },
    )
    .delete(
      '',
      async ({ principal, body, set }) => {
        await users.erase(principal.userId, body.password)
        set.status = 204
      },
      {
        auth: { access: 'read', interactive: true },
        body: t.Object({ password: t.String({ maxLength: 256 }) }, strict),
        detail: { summary: 'GDPR erasure: delete the account and all its data (needs the password)' },
      },
    )
}
