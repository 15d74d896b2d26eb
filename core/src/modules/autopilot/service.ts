// Keeps a channel filled by itself: a BullMQ job scheduler per channel fires `lead` minutes before
// each slot of its cadence; the slot's video is made then and uploaded private with publishAt = the
// slot, so YouTube publishes it on time even if the platform is down at that moment. Content comes
// from the channel's backlog (topics or ready scripts, oldest first), else from the LLM (a fresh
// subject in the niche, never an earlier title of the channel); with neither, the slot is skipped
// and says so.

import { and, asc, desc, eq, isNull, sql } from 'drizzle-orm'
import { autopilotSlots, channelBacklog, channels, users, videos } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import { notFound, Problem, unprocessable } from '../../http/problem'
import { planLimit } from '../billing/entitlements'
import type { ChannelService } from '../channels/service'
import type { Script } from '../videos/model'
import type { VideoRequest, VideoService } from '../videos/service'
import type { YouTubeService } from '../youtube/service'
import { type Cadence, nextSlots, schedulerPattern, slotForFiring } from './slots'

type ChannelRow = typeof channels.$inferSelect
type BacklogRow = typeof channelBacklog.$inferSelect
export type BacklogInput = { topic?: string; script?: typeof Script.static }

/** The core's own queue: scheduler firings, consumed by every core instance. */
export const AUTOPILOT_QUEUE = 'autopilot'
const schedulerId = (channelId: string) => `autopilot-${channelId}`
/** Earlier titles handed to the LLM to avoid (the newest ones). */
const AVOID_TITLES = 200

export function createAutopilotService(deps: Deps, channelService: ChannelService, videoService: VideoService, youtube: YouTubeService) {
  const db = deps.database.db
  const { clock, log } = deps
  const lead = deps.config.autopilotLeadMinutes
  const queue = () => deps.jobs.queue<{ channelId: string }>(AUTOPILOT_QUEUE)

  function checkCadence(c: ChannelRow) {
    const cadence = c.cadence as Cadence
    if (!cadence.days.length || cadence.videosPerWeek !== cadence.days.length)
      throw unprocessable('The cadence posts one video on each listed day: videosPerWeek must equal the number of days', [
        { field: 'cadence.days', message: `${cadence.days.length} day(s) listed for ${cadence.videosPerWeek} video(s) a week` },
      ])
  }

  /** Puts the channel's scheduler in place (or updates it after a cadence or time-zone change). */
  async function schedule(c: ChannelRow) {
    await queue().upsertJobScheduler(
      schedulerId(c.id),
      { pattern: schedulerPattern(c.cadence as Cadence, lead), tz: c.timeZone },
      { name: 'slot', data: { channelId: c.id }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
    )
  }

  /** Whether the owner's plan includes the autopilot (billing's entitlements). */
  async function planAllows(userId: string) {
    const [owner] = await db.select({ plan: users.plan }).from(users).where(eq(users.id, userId))
    const plan = owner?.plan ?? 'free'
    return { plan, allowed: deps.config.plans[plan].autopilot }
  }

  async function recordSlot(channelId: string, slotAt: number, status: 'made' | 'skipped', reason: string | null, videoId: string | null) {
    await db
      .insert(autopilotSlots)
      .values({ channelId, slotAt: new Date(slotAt), status, reason, videoId })
      .onConflictDoNothing()
    if (status === 'skipped') log.warn({ channelId, slot: new Date(slotAt).toISOString(), reason }, 'autopilot slot skipped')
  }

  const service = {
    async addBacklog(userId: string, channelId: string, items: BacklogInput[]) {
      await channelService.get(userId, channelId)
      const errors = items.flatMap((item, i) => {
        if (!item.topic === !item.script) return [{ field: `items.${i}`, message: 'send either a topic or a script' }]
        if (item.topic && !deps.config.scriptLlmConfigured)
          return [{ field: `items.${i}.topic`, message: 'no LLM is configured to write a script from a topic: queue a ready script' }]
        return []
      })
      if (errors.length) throw unprocessable(`Invalid backlog items: ${errors.map((e) => e.field).join(', ')}`, errors)
      const rows = await db
        .insert(channelBacklog)
        .values(items.map((item) => ({ channelId, userId, topic: item.topic ?? null, script: item.script ?? null })))
        .returning()
      return rows.map(backlogView)
    },

    async listBacklog(userId: string, channelId: string) {
      await channelService.get(userId, channelId)
      const rows = await db
        .select()
        .from(channelBacklog)
        .where(and(eq(channelBacklog.channelId, channelId), isNull(channelBacklog.usedAt)))
        .orderBy(asc(channelBacklog.seq))
      return rows.map(backlogView)
    },

    /** Removes one unused item, or every unused item when no id is given; answers how many went. */
    async removeBacklog(userId: string, channelId: string, itemId?: string) {
      await channelService.get(userId, channelId)
      const gone = await db
        .delete(channelBacklog)
        .where(
          and(eq(channelBacklog.channelId, channelId), isNull(channelBacklog.usedAt), itemId ? eq(channelBacklog.id, itemId) : undefined),
        )
        .returning({ id: channelBacklog.id })
      if (itemId && !gone.length) throw notFound('Backlog item')
      return gone.length
    },

    /** The channel goes (deleted, or its account erased): its scheduler goes with it. */
    async stop(channelId: string) {
      await queue().removeJobScheduler(schedulerId(channelId))
    },

    /** Turns the autopilot on: the channel must be connected to YouTube and its cadence complete. */
    async resume(userId: string, channelId: string) {
      const c = await channelService.get(userId, channelId)
      const { plan, allowed } = await planAllows(userId)
      if (!allowed) throw planLimit('autopilot', plan, 0, `The ${plan} plan does not include the autopilot`)
      checkCadence(c)
      const conn = await youtube.connection(channelId)
      if (conn?.status !== 'connected')
        throw new Problem(
          409,
          'Conflict',
          'The autopilot uploads to YouTube: connect the channel first (POST /v1/channels/:id/youtube/connect)',
          {
            type: 'youtube-not-connected',
            errors: [{ field: 'id', message: conn ? 'the channel needs reconnecting' : 'not connected to YouTube' }],
          },
        )
      await db.update(channels).set({ autopilot: true, updatedAt: new Date() }).where(eq(channels.id, channelId))
      await schedule(c)
      await invalidateUser(deps, userId)
      return service.schedule(userId, channelId)
    },

    async pause(userId: string, channelId: string) {
      await channelService.get(userId, channelId)
      await db.update(channels).set({ autopilot: false, updatedAt: new Date() }).where(eq(channels.id, channelId))
      await queue().removeJobScheduler(schedulerId(channelId))
      await invalidateUser(deps, userId)
      return service.schedule(userId, channelId)
    },

    /** After a channel's cadence or time zone changed: the scheduler follows (or stops with the channel). */
    async channelChanged(channelId: string) {
      const [c] = await db.select().from(channels).where(eq(channels.id, channelId))
      if (!c?.autopilot) return queue().removeJobScheduler(schedulerId(channelId))
      await schedule(c)
    },

    /** The next slots, where their content would come from, and what happened to recent ones. */
    async schedule(userId: string, channelId: string, count = 10) {
      const c = await channelService.get(userId, channelId)
      const now = clock()
      const upcoming = nextSlots(c.cadence as Cadence, c.timeZone, now, count)
      const [{ backlog } = { backlog: 0 }] = await db
        .select({ backlog: sql<number>`count(*)::int` })
        .from(channelBacklog)
        .where(and(eq(channelBacklog.channelId, channelId), isNull(channelBacklog.usedAt)))
      const recent = await db
        .select()
        .from(autopilotSlots)
        .where(eq(autopilotSlots.channelId, channelId))
        .orderBy(desc(autopilotSlots.slotAt))
        .limit(20)
      const local = new Intl.DateTimeFormat('sv-SE', { timeZone: c.timeZone, dateStyle: 'short', timeStyle: 'short' })
      return {
        autopilot: c.autopilot ? ('active' as const) : ('paused' as const),
        timeZone: c.timeZone,
        cadence: c.cadence as Cadence,
        leadMinutes: lead,
        next: upcoming.map((at, i) => ({
          slotAt: new Date(at).toISOString(),
          localTime: local.format(new Date(at)),
          prepareAt: new Date(at - lead * 60_000).toISOString(),
          source: i < backlog ? ('backlog' as const) : deps.config.scriptLlmConfigured ? ('llm' as const) : ('none' as const),
        })),
        recent: recent.map((r) => ({ slotAt: r.slotAt.toISOString(), status: r.status, videoId: r.videoId, reason: r.reason })),
      }
    },

    /** A scheduler firing: the slot it prepares, once. */
    async fired(channelId: string, firedAt: number) {
      const [c] = await db.select().from(channels).where(eq(channels.id, channelId))
      if (!c?.autopilot) return null
      const slot = slotForFiring(c.cadence as Cadence, c.timeZone, firedAt, lead)
      if (slot === null) {
        log.warn({ channelId, firedAt: new Date(firedAt) }, 'autopilot firing matches no slot of the cadence; ignored')
        return null
      }
      return service.fillSlot(c, slot)
    },

    /** Makes the slot's video (idempotent per channel and slot) or records why it was skipped. */
    async fillSlot(c: ChannelRow, slotAt: number): Promise<{ status: 'made' | 'skipped'; videoId?: string; reason?: string }> {
      const [done] = await db
        .select()
        .from(autopilotSlots)
        .where(and(eq(autopilotSlots.channelId, c.id), eq(autopilotSlots.slotAt, new Date(slotAt))))
      if (done) return { status: done.status, videoId: done.videoId ?? undefined, reason: done.reason ?? undefined }
      const skip = async (reason: string) => {
        await recordSlot(c.id, slotAt, 'skipped', reason, null)
        return { status: 'skipped' as const, reason }
      }
      if (c.paused) return skip('the channel is paused (over the plan’s channel count)')
      if (!(await planAllows(c.userId)).allowed) return skip('the plan no longer includes the autopilot')
      const conn = await youtube.connection(c.id)
      if (conn?.status !== 'connected') return skip('the channel is not connected to YouTube (or needs reconnecting)')
      if (slotAt <= clock() + 5 * 60_000) return skip('the slot is too close to make a video for it in time')

      const key = `autopilot:${c.id}:${new Date(slotAt).toISOString()}`
      // A retry after a crash finds the video the first try made (same key), and the backlog item it used.
      const [made] = await db
        .select({ id: videos.id, request: videos.request })
        .from(videos)
        .where(and(eq(videos.userId, c.userId), eq(videos.idempotencyKey, key)))
      let videoId = made?.id
      let itemId = (made?.request as VideoRequest | undefined)?.autopilot?.backlogItemId
      if (!videoId) {
        const [item] = await db
          .select()
          .from(channelBacklog)
          .where(and(eq(channelBacklog.channelId, c.id), isNull(channelBacklog.usedAt)))
          .orderBy(asc(channelBacklog.seq))
          .limit(1)
        let content: VideoRequest
        if (item?.script) content = { script: item.script }
        else if (item?.topic && deps.config.scriptLlmConfigured) content = { topic: item.topic }
        else if (!item && deps.config.scriptLlmConfigured) {
          const earlier = await db
            .select({ title: videos.title })
            .from(videos)
            .where(eq(videos.channelId, c.id))
            .orderBy(desc(videos.createdAt))
            .limit(AVOID_TITLES)
          content = { topic: c.niche, avoidTitles: earlier.map((v) => v.title).filter((t): t is string => !!t) }
        } else
          return skip(
            item
              ? 'the next backlog item is a topic and no LLM is configured to write it'
              : 'the backlog is empty and no LLM is configured: queue topics or scripts',
          )
        itemId = item?.id
        const slot = new Date(slotAt).toISOString()
        const principal = { userId: c.userId, role: 'member' as const, scopes: ['read' as const, 'write' as const], via: 'jwt' as const }
        const { video } = await videoService.submit(
          principal,
          c.id,
          { ...content, publish: { privacy: 'private', publishAt: slot }, autopilot: { slotAt: slot, backlogItemId: itemId } },
          key,
          { requestedBy: 'autopilot' },
        )
        videoId = video.id
      }
      if (itemId)
        await db
          .update(channelBacklog)
          .set({ usedAt: new Date(), videoId })
          .where(and(eq(channelBacklog.id, itemId), isNull(channelBacklog.usedAt)))
      await recordSlot(c.id, slotAt, 'made', null, videoId)
      log.info({ channelId: c.id, slot: new Date(slotAt).toISOString(), videoId }, 'autopilot made the slot video')
      return { status: 'made', videoId }
    },
  }
  return service
}
export type AutopilotService = ReturnType<typeof createAutopilotService>

function backlogView(b: BacklogRow) {
  return { id: b.id, topic: b.topic, script: b.script, createdAt: b.createdAt.toISOString() }
}
