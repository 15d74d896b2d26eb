import { uploadsPrefix, userVideosPrefix } from '@ytempire/contract'
import { and, asc, desc, eq, inArray, isNull } from 'drizzle-orm'
import { verifyPassword } from '../../crypto/hash'
import {
  auditEvents,
  billingAccounts,
  channelAnalyticsDaily,
  channels,
  costLedger,
  mfaSecrets,
  recoveryCodes,
  tokenFamilies,
  uploads,
  users,
  videoAnalyticsDaily,
  videoEvents,
  videoPublications,
  videos,
  webhookEndpoints,
  youtubeConnections,
  youtubeVideos,
} from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import type { RequestContext } from '../../http/plugin'
import { notFound, unauthorized, unprocessable } from '../../http/problem'
import { tellEdgeSessionsEnded } from '../../infra/edge-purge'
import { assertAnotherAdmin, lockAdminRoles, type Tx } from '../admin/admin-roles'
import type { ApiKeyService } from '../api-keys/service'
import { type AuthService, publicUser } from '../auth/service'
import { channelView } from '../channels/service'
import { uploadView } from '../uploads/service'
import { deleteVideoFiles, deletingFiles } from '../videos/files'
import { videoView } from '../videos/service'
import { endpointView } from '../webhooks/service'

export function createUserService(deps: Deps, auth: AuthService, apiKeys: ApiKeyService) {
  const db = deps.database.db

  /** The user's channels' YouTube videos and daily figures, as ingested (rows of a day, oldest first). */
  async function exportAnalytics(userId: string) {
    const owned = (await db.select({ id: channels.id }).from(channels).where(eq(channels.userId, userId))).map((c) => c.id)
    if (!owned.length) return { youtubeVideos: [], channelDays: [], videoDays: [] }
    return {
      youtubeVideos: (await db.select().from(youtubeVideos).where(eq(youtubeVideos.userId, userId))).map((v) => ({
        youtubeVideoId: v.youtubeVideoId,
        channelId: v.channelId,
        videoId: v.videoId,
        source: v.source,
        title: v.title,
        publishedAt: v.publishedAt?.toISOString() ?? null,
        deletedAt: v.deletedAt?.toISOString() ?? null,
        views: v.views,
        likes: v.likes,
        comments: v.comments,
      })),
      channelDays: await db
        .select()
        .from(channelAnalyticsDaily)
        .where(inArray(channelAnalyticsDaily.channelId, owned))
        .orderBy(asc(channelAnalyticsDaily.day)),
      videoDays: await db
        .select()
        .from(videoAnalyticsDaily)
        .where(inArray(videoAnalyticsDaily.channelId, owned))
        .orderBy(asc(videoAnalyticsDaily.day)),
    }
  }
  const eraseHooks: ((userId: string) => Promise<unknown>)[] = []
  async function storedKeys(userId: string): Promise<Set<string>> {
    const keys = new Set<string>()
    for (const u of await db.select({ key: uploads.key }).from(uploads).where(eq(uploads.userId, userId))) keys.add(u.key)
    for (const v of await db
      .select({ video: videos.videoKey, thumbnail: videos.thumbnailKey })
      .from(videos)
      .where(eq(videos.userId, userId))) {
      if (v.video) keys.add(v.video)
      if (v.thumbnail) keys.add(v.thumbnail)
    }
    const done = await db
      .select({ data: videoEvents.data })
      .from(videoEvents)
      .innerJoin(videos, eq(videos.id, videoEvents.videoId))
      .where(and(eq(videos.userId, userId), eq(videoEvents.type, 'video.completed')))
    for (const e of done) for (const a of (e.data.artifacts as { key: string }[] | undefined) ?? []) keys.add(a.key)
    return keys
  }
  const sessionView = (f: typeof tokenFamilies.$inferSelect, current?: string) => ({
    id: f.id,
    createdAt: f.createdAt.toISOString(),
    lastUsedAt: f.lastUsedAt.toISOString(),
    expiresAt: f.expiresAt.toISOString(),
    ip: f.ip,
    current: f.id === current,
  })
  return {
    async me(userId: string) {
      const [user] = await db.select().from(users).where(eq(users.id, userId))
      if (!user) throw unauthorized('This account no longer exists')
      return publicUser(user)
    },
    async sessions(userId: string, current?: string) {
      const rows = await db
        .select()
        .from(tokenFamilies)
        .where(and(eq(tokenFamilies.userId, userId), isNull(tokenFamilies.revokedAt)))
        .orderBy(desc(tokenFamilies.lastUsedAt))
      return rows.filter((r) => r.expiresAt.getTime() > Date.now()).map((r) => sessionView(r, current))
    },
    async revokeSession(userId: string, sessionId: string, ctx: RequestContext) {
      const n = await auth.revokeFamilies(userId, 'revoked-by-user', sessionId)
      if (n === 0) throw notFound('Session')
      await deps.audit.record({ userId, type: 'session.revoked', request: ctx, data: { sessionId } })
    },
    /** GDPR Art. 15/20: everything we hold about the user, as JSON. Secrets stay out: only their existence is reported. */
    async export(userId: string, ctx: RequestContext) {
      const [user] = await db.select().from(users).where(eq(users.id, userId))
      if (!user) throw unauthorized()
      const [mfa] = await db.select({ confirmedAt: mfaSecrets.confirmedAt }).from(mfaSecrets).where(eq(mfaSecrets.userId, userId))
      const codes = await db
        .select({ usedAt: recoveryCodes.usedAt, createdAt: recoveryCodes.createdAt })
        .from(recoveryCodes)
        .where(eq(recoveryCodes.userId, userId))
      const families = await db.select().from(tokenFamilies).where(eq(tokenFamilies.userId, userId))
      const audit = await db.select().from(auditEvents).where(eq(auditEvents.userId, userId)).orderBy(desc(auditEvents.id))
      await deps.audit.record({ userId, type: 'data.exported', request: ctx })
      return {
        exportedAt: new Date().toISOString(),
        user: { ...publicUser(user), updatedAt: user.updatedAt.toISOString() },
        mfa: {
          enabled: user.mfaEnabled,
          confirmedAt: mfa?.confirmedAt?.toISOString() ?? null,
          recoveryCodes: codes.map((c) => ({ createdAt: c.createdAt.toISOString(), usedAt: c.usedAt?.toISOString() ?? null })),
        },
        apiKeys: await apiKeys.list(userId),
        // With their YouTube links and publications (never a token).
        channels: await Promise.all(
          (await db.select().from(channels).where(eq(channels.userId, userId))).map(async (c) => {
            const [yt] = await db.select().from(youtubeConnections).where(eq(youtubeConnections.channelId, c.id))
            return channelView(c, yt)
          }),
        ),
        videos: await Promise.all(
          (await db.select().from(videos).where(eq(videos.userId, userId))).map(async (v) => {
            const [p] = await db.select().from(videoPublications).where(eq(videoPublications.videoId, v.id))
            return { ...videoView(v, p), request: v.request }
          }),
        ),
        costs: (await db.select().from(costLedger).where(eq(costLedger.userId, userId))).map((c) => ({
          videoId: c.videoId,
          stage: c.stage,
          kind: c.kind,
          item: c.item,
          quantity: c.quantity,
          unit: c.unit,
          amountUsd: c.amountUsd,
          createdAt: c.createdAt.toISOString(),
        })),
        uploads: (await db.select().from(uploads).where(eq(uploads.userId, userId))).map(uploadView),
        // What YouTube Analytics reported for the user's channels, as stored (USD as YouTube reports it).
        analytics: await exportAnalytics(userId),
        billing:
          (await db.select().from(billingAccounts).where(eq(billingAccounts.userId, userId))).map((b) => ({
            stripeCustomerId: b.stripeCustomerId,
            subscriptionId: b.subscriptionId,
            subscriptionStatus: b.subscriptionStatus,
            subscribedPlan: b.subscribedPlan,
            currentPeriodEnd: b.currentPeriodEnd?.toISOString() ?? null,
          }))[0] ?? null,
        webhookEndpoints: (await db.select().from(webhookEndpoints).where(eq(webhookEndpoints.userId, userId))).map(endpointView),
        sessions: families.map((f) => ({
          ...sessionView(f),
          revokedAt: f.revokedAt?.toISOString() ?? null,
          revokedReason: f.revokedReason,
          userAgent: f.userAgent,
        })),
        auditLog: audit.map((a) => ({
          id: a.id,
          type: a.type,
          ip: a.ip,
          userAgent: a.userAgent,
          data: a.data,
          createdAt: a.createdAt.toISOString(),
        })),
      }
    },
    /** Runs before an account's rows are erased (e.g. revoking its grants at outside services). */
    beforeErase(hook: (userId: string) => Promise<unknown>) {
      eraseHooks.push(hook)
    },
    /**
     * GDPR Art. 17: erases the account and everything hanging off it. After the checks and the hooks,
     * the user's jobs go first (a running stage stops and takes back a file it was writing; nothing
     * queued starts), then every stored file of theirs (their folders, and files of the older layout),
     * then the rows (cascading foreign keys). A file store that fails leaves the account, so the request
     * can be made again.
     */
    async erase(userId: string, password: string) {
      const [user] = await db.select().from(users).where(eq(users.id, userId))
      if (!user) throw unauthorized()
      if (!(await verifyPassword(password, user.passwordHash)))
        throw unprocessable('The password is wrong', [{ field: 'password', message: 'wrong password' }])
      const families = await db.select({ id: tokenFamilies.id }).from(tokenFamilies).where(eq(tokenFamilies.userId, userId))
      const owned = await db.select({ id: videos.id, userId: videos.userId }).from(videos).where(eq(videos.userId, userId))
      // The installation keeps an administrator: refused before the hooks act on anything, and checked
      // again under the lock that serialises role changes, where a concurrent deletion is seen.
      const keepsAnAdmin = async (tx: Tx) => {
        const [current] = await tx.select({ role: users.role }).from(users).where(eq(users.id, userId))
        if (current?.role === 'admin') await assertAnotherAdmin(tx, userId, 'deleting this account')
      }
      await db.transaction(keepsAnAdmin)
      for (const hook of eraseHooks) await hook(userId)
      await deps.pipeline.forget(owned.map((v) => v.id))
      const stored = await storedKeys(userId)
      await deletingFiles(deps.log, async () => {
        await deps.storage.deletePrefix(uploadsPrefix(userId))
        await deps.storage.deletePrefix(userVideosPrefix(userId))
        for (const key of stored) await deps.storage.delete(key)
      })
      await deleteVideoFiles(deps.storage, owned, deps.log)
      await db.transaction(async (tx) => {
        await lockAdminRoles(tx)
        await keepsAnAdmin(tx)
        await tx.delete(users).where(eq(users.id, userId))
      })
      await deps.sessions.end(families.map((f) => f.id))
      // Edge cache: every cached answer of the erased user goes.
      await tellEdgeSessionsEnded(deps, { user: userId, sessions: families.map((f) => f.id), everything: true })
      await apiKeys.forgetUser(userId)
      await invalidateUser(deps, userId)
      deps.log.info({ erasedUser: userId }, 'account erased on request')
    },
  }
}
export type UserService = ReturnType<typeof createUserService>
