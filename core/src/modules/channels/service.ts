import { and, asc, count, eq, inArray } from 'drizzle-orm'
import type { Db } from '../../db'
import { channels, users, videos, youtubeConnections } from '../../db/schema'
import type { Deps } from '../../deps'
import { conflict, notFound, unprocessable } from '../../http/problem'
import { findOwned } from '../auth/ownership'
import { planLimit } from '../billing/entitlements'
import { deleteVideoFiles } from '../videos/files'
import { connectionView } from '../youtube/views'

type ChannelRow = typeof channels.$inferSelect
type ConnectionRow = typeof youtubeConnections.$inferSelect
export type ChannelInput = Partial<Omit<ChannelRow, 'id' | 'userId' | 'createdAt' | 'updatedAt' | 'paused' | 'pausedReason' | 'autopilot'>>

export const channelView = (c: ChannelRow, youtube?: ConnectionRow | null) => ({
  id: c.id,
  name: c.name,
  niche: c.niche,
  language: c.language,
  defaultVoice: c.defaultVoice,
  visualSource: c.visualSource,
  visualStyle: c.visualStyle,
  aspect: c.aspect,
  captionStyle: c.captionStyle,
  defaultPrivacy: c.defaultPrivacy,
  cadence: c.cadence,
  timeZone: c.timeZone,
  categoryId: c.categoryId,
  madeForKids: c.madeForKids,
  containsSyntheticMedia: c.containsSyntheticMedia,
  autopilot: c.autopilot,
  youtube: youtube ? connectionView(youtube) : null,
  paused: c.paused,
  pausedReason: c.pausedReason,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
})

const DEFAULT_CADENCE: ChannelRow['cadence'] = { videosPerWeek: 3, days: ['mon', 'wed', 'fri'], time: '15:00' }

function checkTimeZone(tz: string | undefined) {
  if (tz === undefined) return
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz })
  } catch {
    throw unprocessable(`Unknown time zone "${tz}"`, [{ field: 'timeZone', message: 'must be an IANA time zone such as Europe/Berlin' }])
  }
}

export function createChannelService(deps: Deps) {
  const db = deps.database.db
  const removeHooks: ((channelId: string) => Promise<unknown>)[] = []
  const updateHooks: ((channelId: string) => Promise<unknown>)[] = []
  return {
    /** Runs after a channel changed (e.g. the autopilot's scheduler follows a new cadence or time zone). */
    afterUpdate(hook: (channelId: string) => Promise<unknown>) {
      updateHooks.push(hook)
    },
    /** Runs before a channel's rows are deleted (e.g. revoking its YouTube grant). */
    beforeRemove(hook: (channelId: string) => Promise<unknown>) {
      removeHooks.push(hook)
    },
    async create(userId: string, input: ChannelInput & { name: string; niche: string }) {
      checkTimeZone(input.timeZone ?? undefined)
      return db.transaction(async (tx) => {
        // Lock the owner row so two concurrent creates cannot both pass the plan limit.
        const [owner] = await tx.select({ plan: users.plan }).from(users).where(eq(users.id, userId)).for('update')
        if (!owner) throw notFound('User')
        const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(channels).where(eq(channels.userId, userId))
        const limit = deps.config.plans[owner.plan].channels
        if (n >= limit) throw planLimit('channels', owner.plan, limit, `You have ${n} channels`)
        const [row] = await tx
          .insert(channels)
          .values({ ...input, cadence: input.cadence ?? DEFAULT_CADENCE, userId })
          .returning()
        return channelView(row!)
      })
    },
    async list(userId: string) {
      // A list may lag behind other writers by the replicas' delay; never behind the user's own writes.
      const reader = await deps.reads.readerFor(userId)
      const rows = await reader
        .select()
        .from(channels)
        .leftJoin(youtubeConnections, eq(youtubeConnections.channelId, channels.id))
        .where(eq(channels.userId, userId))
        .orderBy(asc(channels.createdAt))
      return rows.map((r) => channelView(r.channels, r.youtube_connections))
    },
    /** The owner's channel as the API shows it, with its YouTube link. */
    async view(userId: string, id: string) {
      const [row] = await db
        .select()
        .from(channels)
        .leftJoin(youtubeConnections, eq(youtubeConnections.channelId, channels.id))
        .where(and(eq(channels.id, id), eq(channels.userId, userId)))
      if (!row) throw notFound('Channel')
      return channelView(row.channels, row.youtube_connections)
    },
    /** The owner's channel, or 404 (also when it belongs to someone else). */
    get: (userId: string, id: string) => findOwned(db, channels, id, userId, 'Channel'),
    async update(userId: string, id: string, input: ChannelInput) {
      checkTimeZone(input.timeZone ?? undefined)
      const [row] = await db
        .update(channels)
        .set({ ...input, updatedAt: new Date() })
        .where(and(eq(channels.id, id), eq(channels.userId, userId)))
        .returning()
      if (!row) throw notFound('Channel')
      if (input.cadence || input.timeZone) for (const hook of updateHooks) await hook(id)
      return this.view(userId, id)
    },
    async remove(userId: string, id: string) {
      await this.get(userId, id)
      const [active] = await db
        .select({ n: count() })
        .from(videos)
        .where(and(eq(videos.channelId, id), inArray(videos.status, ['queued', 'running'])))
      if (active && active.n > 0) throw conflict(`The channel has ${active.n} video(s) in progress; cancel them first`)
      for (const hook of removeHooks) await hook(id)
      // Its videos go with it: their jobs (a cancelled one may still be stopping), then their files, then the rows.
      const owned = await db
        .select({ id: videos.id, userId: videos.userId })
        .from(videos)
        .where(and(eq(videos.channelId, id), eq(videos.userId, userId)))
      await deps.pipeline.forget(owned.map((v) => v.id))
      await deleteVideoFiles(deps.storage, owned, deps.log)
      await db.transaction(async (tx) => {
        const [owner] = await tx.select({ plan: users.plan }).from(users).where(eq(users.id, userId)).for('update')
        await tx.delete(channels).where(and(eq(channels.id, id), eq(channels.userId, userId)))
        // The room it leaves goes to a channel paused for the plan's limit.
        if (owner) await fitToLimit(tx, userId, deps.config.plans[owner.plan].channels)
      })
    },
    fitToLimit,
  }
}

/**
 * Makes the user's running channels fit the plan's count: the newest over the limit are paused (nothing
 * is deleted), and channels paused for the limit resume, oldest first, while there is room.
 * Runs inside the caller's transaction, with the user's row locked.
 */
async function fitToLimit(tx: Db, userId: string, limit: number): Promise<{ paused: string[]; resumed: string[] }> {
  const running = await tx
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.userId, userId), eq(channels.paused, false)))
    .orderBy(asc(channels.createdAt), asc(channels.id))
  if (running.length > limit) {
    const paused = running.slice(limit).map((c) => c.id)
    await tx.update(channels).set({ paused: true, pausedReason: 'plan_limit', updatedAt: new Date() }).where(inArray(channels.id, paused))
    return { paused, resumed: [] }
  }
  const room = limit - running.length
  if (room === 0) return { paused: [], resumed: [] }
  const waiting = await tx
    .select({ id: channels.id })
    .from(channels)
    .where(and(eq(channels.userId, userId), eq(channels.paused, true), eq(channels.pausedReason, 'plan_limit')))
    .orderBy(asc(channels.createdAt), asc(channels.id))
    .limit(room)
  const resumed = waiting.map((c) => c.id)
  if (resumed.length)
    await tx.update(channels).set({ paused: false, pausedReason: null, updatedAt: new Date() }).where(inArray(channels.id, resumed))
  return { paused: [], resumed }
}
export type ChannelService = ReturnType<typeof createChannelService>
