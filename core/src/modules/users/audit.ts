import { and, desc, eq, lt, type SQL } from 'drizzle-orm'
import type { Db } from '../../db'
import { auditEvents } from '../../db/schema'
import type { RequestContext } from '../../http/plugin'
import type { Logger } from '../../infra/logger'

export type AuditType =
  | 'user.registered'
  | 'login.succeeded'
  | 'login.failed'
  | 'login.mfa_failed'
  | 'logout'
  | 'refresh.reuse_detected'
  | 'session.revoked'
  | 'password.changed'
  | 'mfa.enroll_started'
  | 'mfa.enabled'
  | 'mfa.disabled'
  | 'mfa.recovery_code_used'
  | 'mfa.reset_by_admin'
  | 'api_key.created'
  | 'api_key.revoked'
  | 'role.changed'
  | 'signing_key.rotated'
  | 'secrets.resealed'
  | 'data.exported'
  | 'youtube.connected'
  | 'youtube.disconnected'
  | 'youtube.reconnect_needed'
  | 'plan.changed'
  | 'webhook_endpoint.created'
  | 'webhook_endpoint.deleted'
  | 'webhook_endpoint.disabled'
  | 'webhook_endpoint.secret_rotated'

export interface AuditEntry {
  userId: string | null
  actorId?: string | null
  type: AuditType
  /** The request that did it: its client address and request id are recorded. */
  request?: RequestContext
  userAgent?: string
  data?: Record<string, unknown>
}

export interface AuditLog {
  /** `tx`: record it in the caller's transaction, so the event and what it reports commit together. */
  record(e: AuditEntry, tx?: Db): Promise<void>
  list(opts: { userId?: string; before?: number; limit: number }): Promise<(typeof auditEvents.$inferSelect)[]>
}

export function createAuditLog(db: Db, log: Logger): AuditLog {
  return {
    async record(e, tx = db) {
      await tx.insert(auditEvents).values({
        userId: e.userId,
        actorId: e.actorId ?? e.userId,
        type: e.type,
        ip: e.request?.clientIp,
        userAgent: e.userAgent?.slice(0, 512),
        requestId: e.request?.requestId,
        data: e.data ?? {},
      })
      log.info({ audit: e.type, userId: e.userId, requestId: e.request?.requestId }, 'security event')
    },
    async list({ userId, before, limit }) {
      const where: SQL[] = []
      if (userId) where.push(eq(auditEvents.userId, userId))
      if (before) where.push(lt(auditEvents.id, before))
      return db
        .select()
        .from(auditEvents)
        .where(where.length ? and(...where) : undefined)
        .orderBy(desc(auditEvents.id))
        .limit(limit)
    },
  }
}
