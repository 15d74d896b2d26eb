import type { Role } from '@ytempire/contract'
import { asc, desc, eq, lt, sql } from 'drizzle-orm'
import { SigningKeyLimitError } from '../../crypto/signing-key-limit-error'
import { mfaSecrets, unknownVideoReports, users } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import type { RequestContext } from '../../http/plugin'
import { conflict, notFound, Problem } from '../../http/problem'
import type { ApiKeyService } from '../api-keys/service'
import type { Principal } from '../auth/principal'
import { type AuthService, publicUser } from '../auth/service'
import type { AuditEntry } from '../users/audit'
import type { VideoService } from '../videos/service'
import type { WebhookService } from '../webhooks/service'
import { assertAnotherAdmin, lockAdminRoles } from './admin-roles'

/** Who acts, from where: what the audit log records of an administrator's change. */
export interface AdminActor {
  principal: Principal
  ctx: RequestContext
}

export function createAdminService(
  deps: Deps,
  auth: AuthService,
  apiKeys: ApiKeyService,
  videos: VideoService,
  webhooks: WebhookService,
  youtube: { reseal(): Promise<number> },
) {
  const db = deps.database.db
  const audit = (actor: AdminActor, entry: Omit<AuditEntry, 'request'>) => deps.audit.record({ ...entry, request: actor.ctx })

  return {
    async listUsers(q: { email?: string; limit?: number; offset?: number }) {
      // The e-mail filter is a substring; LIKE wildcards in it are dropped rather than obeyed.
      const email = q.email?.toLowerCase().replace(/[%_]/g, '')
      const rows = await db
        .select()
        .from(users)
        .where(email ? sql`lower(${users.email}) like ${`%${email}%`}` : undefined)
        .orderBy(asc(users.createdAt))
        .limit(q.limit ?? 50)
        .offset(q.offset ?? 0)
      return rows.map(publicUser)
    },

    /** Changes a role; the last administrator cannot step down. Takes effect at once: sessions end, cached answers go. */
    async changeRole(actor: AdminActor, userId: string, role: Role) {
      const user = await db.transaction(async (tx) => {
        await lockAdminRoles(tx)
        const [target] = await tx.select().from(users).where(eq(users.id, userId))
        if (!target) throw notFound('User')
        if (target.role === 'admin' && role !== 'admin') await assertAnotherAdmin(tx, target.id, 'this one steps down')
        const [updated] = await tx.update(users).set({ role, updatedAt: new Date() }).where(eq(users.id, userId)).returning()
        return { before: target.role, after: updated! }
      })
      await auth.revokeFamilies(userId, 'role-changed')
      await apiKeys.forgetUser(userId)
      await invalidateUser(deps, userId)
      await audit(actor, { userId, actorId: actor.principal.userId, type: 'role.changed', data: { from: user.before, to: role } })
      return publicUser(user.after)
    },

    /** For a user who lost their authenticator and recovery codes: MFA off, every session ended, audited with its actor. */
    async resetMfa(actor: AdminActor, userId: string) {
      const [target] = await db.select().from(users).where(eq(users.id, userId))
      if (!target) throw notFound('User')
      if (!target.mfaEnabled) throw conflict('This user has no two-factor authentication to reset')
      await auth.removeMfa(userId)
      await auth.revokeFamilies(userId, 'mfa-reset')
      await audit(actor, { userId, actorId: actor.principal.userId, type: 'mfa.reset_by_admin' })
      return publicUser({ ...target, mfaEnabled: false })
    },

    auditLog: (q: { userId?: string; before?: number; limit?: number }) => deps.audit.list({ ...q, limit: q.limit ?? 50 }),

    async rotateSigningKey(actor: AdminActor) {
      const kid = await deps.keys.rotate().catch((e: unknown) => {
        if (!(e instanceof SigningKeyLimitError)) throw e
        throw new Problem(
          429,
          'Too Many Requests',
          `The JWKS already publishes ${e.published} keys, the most it may; rotate again once the oldest retired key has expired`,
          { type: 'signing-key-limit', headers: { 'Retry-After': String(e.retryAfterS) } },
        )
      })
      await audit(actor, { userId: actor.principal.userId, type: 'signing_key.rotated', data: { kid } })
      return { kid }
    },

    /** After a new first key in SECRET_KEYS: re-encrypts everything sealed under older keys. */
    async resealSecrets(actor: AdminActor) {
      let mfa = 0
      for (const row of await db.select().from(mfaSecrets)) {
        if (!deps.box.needsRotation(row.secretEnc)) continue
        const context = `mfa:${row.userId}`
        const plain = await deps.box.open(row.secretEnc, context)
        await db
          .update(mfaSecrets)
          .set({ secretEnc: await deps.box.seal(plain, context) })
          .where(eq(mfaSecrets.userId, row.userId))
        mfa++
      }
      const signing = await deps.keys.reseal()
      const webhookSecrets = await webhooks.reseal()
      const youtubeRefreshTokens = await youtube.reseal()
      await audit(actor, {
        userId: actor.principal.userId,
        type: 'secrets.resealed',
        data: { mfa, signing, webhookSecrets, youtubeRefreshTokens },
      })
      return { resealed: { mfaSecrets: mfa, signingKeys: signing, webhookSecrets, youtubeRefreshTokens } }
    },

    deadLetters: (page: { limit?: number; offset?: number }) => {
      const start = page.offset ?? 0
      return deps.pipeline.deadLetters.list({ start, end: start + (page.limit ?? 50) - 1 })
    },

    /** The videos service owns a video's status: the re-drive goes through it. */
    redriveDeadLetter: (id: string) => videos.redrive(id),

    /** Worker reports about videos this installation does not know, newest first. */
    async unknownVideoReports(page: { limit?: number; before?: number }) {
      const rows = await db
        .select()
        .from(unknownVideoReports)
        .where(page.before ? lt(unknownVideoReports.id, page.before) : undefined)
        .orderBy(desc(unknownVideoReports.id))
        .limit(page.limit ?? 50)
      return {
        items: rows.map((r) => ({
          id: r.id,
          videoId: r.videoId,
          type: r.type,
          stage: r.stage,
          reportId: r.eventKey,
          data: r.data,
          at: r.at.toISOString(),
          recordedAt: r.recordedAt.toISOString(),
        })),
      }
    },
  }
}
export type AdminService = ReturnType<typeof createAdminService>
