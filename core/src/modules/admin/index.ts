import { type DeadLetterEntry, listDeadLetters, pipelineQueue, QUEUES, redriveDeadLetter } from '@ytempire/render/contract'
import { and, asc, eq, ne, sql } from 'drizzle-orm'
import { Elysia, t } from 'elysia'
import { mfaSecrets, users, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import { conflict, notFound } from '../../http/problem'
import type { ApiKeyService } from '../api-keys/service'
import { authGuard } from '../auth/guard'
import { PublicUser } from '../auth/model'
import { type AuthService, publicUser } from '../auth/service'
import { AuditEventView, auditView } from '../users'
import { videoView } from '../videos/service'

const strict = { additionalProperties: false } as const
const Role = t.Union([t.Literal('admin'), t.Literal('member'), t.Literal('viewer')])

export function adminModule(deps: Deps, auth: AuthService, apiKeys: ApiKeyService, reseals: Record<string, () => Promise<number>> = {}) {
  const db = deps.database.db
  return new Elysia({ name: 'admin-module', seed: deps.instanceId, prefix: '/admin', detail: { tags: ['admin'] } })
    .use(authGuard(deps, apiKeys))
    .get(
      '/users',
      async ({ query }) => {
        const rows = await db
          .select()
          .from(users)
          .where(query.email ? sql`lower(${users.email}) like ${`%${query.email.toLowerCase().replace(/[%_]/g, '')}%`}` : undefined)
          .orderBy(asc(users.createdAt))
          .limit(query.limit ?? 50)
          .offset(query.offset ?? 0)
        return rows.map(publicUser)
      },
      {
        auth: 'admin',
        query: t.Object(
          {
            email: t.Optional(t.String({ maxLength: 254 })),
            limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })),
            offset: t.Optional(t.Integer({ minimum: 0 })),
          },
          strict,
        ),
        response: { 200: t.Array(PublicUser) },
        detail: { summary: 'List users' },
      },
    )
    .patch(
      '/users/:id/role',
      async ({ params, body, principal, ctx }) => {
        const user = await db.transaction(async (tx) => {
          const [target] = await tx.select().from(users).where(eq(users.id, params.id)).for('update')
          if (!target) throw notFound('User')
          if (target.role === 'admin' && body.role !== 'admin') {
            const [others] = await tx
              .select({ n: sql<number>`count(*)::int` })
              .from(users)
              .where(and(eq(users.role, 'admin'), ne(users.id, target.id)))
            if (!others?.n) throw conflict('This is the last administrator; promote someone else first')
          }
          const [updated] = await tx
            .update(users)
            .set({ role: body.role, updatedAt: new Date() })
            .where(eq(users.id, params.id))
            .returning()
          return { before: target.role, after: updated! }
        })
        // A changed role takes effect at once: the user's sessions end and cached answers go.
        await auth.revokeFamilies(params.id, 'role-changed')
        await apiKeys.forgetUser(params.id)
        await invalidateUser(deps, params.id)
        await deps.audit.record({
          userId: params.id,
          actorId: principal.userId,
          type: 'role.changed',
          ip: ctx.clientIp,
          requestId: ctx.requestId,
          data: { from: user.before, to: body.role },
        })
        return publicUser(user.after)
      },
      {
        auth: 'admin',
        params: t.Object({ id: t.String({ format: 'uuid' }) }),
        body: t.Object({ role: Role }, strict),
        response: { 200: PublicUser },
        detail: { summary: "Change a user's role (ends their sessions)" },
      },
    )
    .get(
      '/audit',
      async ({ query }) => (await deps.audit.list({ userId: query.userId, before: query.before, limit: query.limit ?? 50 })).map(auditView),
      {
        auth: 'admin',
        query: t.Object(
          {
            userId: t.Optional(t.String({ format: 'uuid' })),
            limit: t.Optional(t.Integer({ minimum: 1, maximum: 500 })),
            before: t.Optional(t.Integer({ minimum: 1 })),
          },
          strict,
        ),
        response: { 200: t.Array(AuditEventView) },
        detail: { summary: 'The audit log of every account, or of one' },
      },
    )
    .post(
      '/signing-keys/rotate',
      async ({ principal, ctx }) => {
        const kid = await deps.keys.rotate()
        await deps.audit.record({
          userId: principal.userId,
          type: 'signing_key.rotated',
          ip: ctx.clientIp,
          requestId: ctx.requestId,
          data: { kid },
        })
        return { kid }
      },
      {
        auth: 'admin',
        detail: {
          summary: 'Rotate the JWT signing key',
          description: 'New tokens use the new key; the old public key stays in the JWKS until its tokens expire.',
        },
      },
    )
    .get(
      '/dead-letters',
      ({ query }) =>
        listDeadLetters(deps.queue, {
          prefix: deps.config.queuePrefix,
          start: query.offset ?? 0,
          end: (query.offset ?? 0) + (query.limit ?? 50) - 1,
        }),
      {
        auth: 'admin',
        query: t.Object(
          { limit: t.Optional(t.Integer({ minimum: 1, maximum: 200 })), offset: t.Optional(t.Integer({ minimum: 0 })) },
          strict,
        ),
        detail: {
          summary: 'Videos whose stage failed its last attempt',
          description: 'Each entry carries the stage, the reason, the attempts and the job to re-drive.',
        },
      },
    )
    .post(
      '/dead-letters/:id/redrive',
      async ({ params }) => {
        const job = await pipelineQueue(deps.queue, QUEUES.deadLetter, deps.config.queuePrefix).getJob(params.id)
        const entry = job?.data as DeadLetterEntry | undefined
        if (!entry) throw notFound('Dead letter')
        // The row goes back to queued first, so the reports of the new run are not ignored as after a final state.
        const [row] = await db
          .update(videos)
          .set({ status: 'queued', error: null, deadLetterJobId: null, finishedAt: null, updatedAt: new Date() })
          .where(eq(videos.id, entry.videoId))
          .returning()
        if (!row) throw notFound('Video')
        await redriveDeadLetter(deps.queue, params.id, { prefix: deps.config.queuePrefix })
        return videoView(row)
      },
      {
        auth: 'admin',
        params: t.Object({ id: t.String({ minLength: 1, maxLength: 200 }) }),
        detail: { summary: 'Run a dead-lettered video again' },
      },
    )
    .post(
      '/secrets/reseal',
      async ({ principal, ctx }) => {
        // After adding a new first key to SECRET_KEYS: re-encrypt everything sealed under older keys.
        let mfa = 0
        for (const row of await db.select().from(mfaSecrets)) {
          if (!deps.box.needsRotation(row.secretEnc)) continue
          const plain = await deps.box.open(row.secretEnc, `mfa:${row.userId}`)
          await db
            .update(mfaSecrets)
            .set({ secretEnc: await deps.box.seal(plain, `mfa:${row.userId}`) })
            .where(eq(mfaSecrets.userId, row.userId))
          mfa++
        }
        const signing = await deps.keys.reseal()
        const others: Record<string, number> = {}
        for (const [name, reseal] of Object.entries(reseals)) others[name] = await reseal()
        await deps.audit.record({
          userId: principal.userId,
          type: 'secrets.resealed',
          ip: ctx.clientIp,
          requestId: ctx.requestId,
          data: { mfa, signing, ...others },
        })
        return { resealed: { mfaSecrets: mfa, signingKeys: signing, ...others } }
      },
      { auth: 'admin', detail: { summary: 'Re-encrypt secrets at rest under the current key of SECRET_KEYS' } },
    )
}
