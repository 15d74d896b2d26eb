// Analytics: what each video earned (YouTube's figures, ingested by ingest.ts) against what it cost
// (the cost ledger), per video, per channel and per month; and the schedules that keep it fresh. Every
// read goes through the owner (another user's video or channel answers 404) and may go to a replica.
import type { RevenueStatus } from '@ytempire/contract'
import { and, asc, between, eq, gte, inArray, isNotNull, lt, sql } from 'drizzle-orm'
import {
  analyticsChannels,
  channelAnalyticsDaily,
  channels,
  costLedger,
  videoAnalyticsDaily,
  videoPublications,
  videos,
  youtubeConnections,
  youtubeVideos,
} from '../../db/schema'
import type { Deps } from '../../deps'
import { Problem, unprocessable } from '../../http/problem'
import { zonedDate } from '../../infra/clock'
import type { ChannelService } from '../channels/service'
import type { VideoService } from '../videos/service'
import type { YouTubeService } from '../youtube/service'
import { createVideoCatalog } from './catalog'
import { ANALYTICS_TIME_ZONE, addDays, dayStart, daysBetween, isDay, monthDays } from './days'
import { createIngestion } from './ingest'
import { createAnalyticsMetrics } from './metrics'
import { createWebSub } from './websub'
import { createYouTubeAnalyticsApi, type YouTubeAnalyticsApi } from './youtube-api'

/** The core's own queue: scheduled and asked-for runs, and the WebSub sweep; consumed by every core instance. */
export const ANALYTICS_QUEUE = 'analytics'
export type AnalyticsJob =
  | { kind: 'run'; channelId: string }
  | { kind: 'subscribe'; channelId: string }
  | { kind: 'unsubscribe'; topic: string }
  | { kind: 'sweep' }
const schedulerId = (channelId: string) => `analytics-${channelId}`
const SWEEP_SCHEDULER = 'websub-sweep'
/** The default range: 28 days, as YouTube Studio shows. */
const DEFAULT_DAYS = 28
const MAX_DAYS = 366

export const CURRENCY = {
  currency: 'USD' as const,
  currencyNote:
    "Revenue is YouTube's estimatedRevenue, asked for in USD; cost is the platform's cost ledger, in USD. Days are YouTube Analytics days (Pacific time); cost is counted on the day it was incurred.",
}

const usd = (n: number | string | null | undefined) => Math.round(Number(n ?? 0) * 1e6) / 1e6

/**
 * When a channel's runs fire: `runsPerDay` times a day at a minute fixed by a hash of the channel id,
 * so thousands of channels spread evenly over the day instead of all asking Google at midnight.
 */
export function ingestPattern(channelId: string, runsPerDay: number): string {
  let h = 0x811c9dc5
  for (let i = 0; i < channelId.length; i++) h = Math.imul(h ^ channelId.charCodeAt(i), 0x01000193) >>> 0
  const slotMinutes = 1440 / runsPerDay
  const offset = h % slotMinutes
  const step = 24 / runsPerDay
  const hours = Array.from({ length: runsPerDay }, (_, i) => Math.floor(offset / 60) + i * step)
  return `${offset % 60} ${hours.join(',')} * * *`
}

const REVENUE_MESSAGES: Record<RevenueStatus, string | null> = {
  available: null,
  unknown: 'Revenue has not been asked for yet: it comes with the next run.',
  not_granted:
    'The channel was connected without revenue analytics: connect it again with monetaryAnalytics to count revenue. Margins count revenue as 0.',
  forbidden:
    'YouTube refused estimatedRevenue for this channel (not in the YouTube Partner Program, or not monetized); asked again later. Margins count revenue as 0.',
}

export function createAnalyticsService(
  deps: Deps,
  channelService: ChannelService,
  videoService: VideoService,
  youtube: YouTubeService,
  api: YouTubeAnalyticsApi = createYouTubeAnalyticsApi(deps.config.youtube),
) {
  const db = deps.database.db
  const { clock } = deps
  const cfg = deps.config.analytics
  const catalog = createVideoCatalog(deps)
  const metrics = createAnalyticsMetrics(deps.metrics.registry)
  const ingestion = createIngestion(deps, youtube, catalog, api, metrics)
  const websub = createWebSub(deps, youtube, catalog, metrics)
  const queue = () => deps.jobs.queue<AnalyticsJob>(ANALYTICS_QUEUE)
  const jobOpts = {
    attempts: 3,
    backoff: { type: 'exponential', delay: 60_000 },
    removeOnComplete: { count: 1000 },
    removeOnFail: { count: 1000 },
  }
  // An asked-for run's id frees when it ends: while one waits, asking again adds nothing.
  const runNow = (channelId: string) =>
    queue().add(
      'run',
      { kind: 'run', channelId },
      { ...jobOpts, jobId: `refresh-${channelId}`, removeOnComplete: true, removeOnFail: true },
    )

  function range(q: { from?: string; to?: string }) {
    const errors: { field: string; message: string }[] = []
    if (q.from !== undefined && !isDay(q.from)) errors.push({ field: 'from', message: 'a date, YYYY-MM-DD' })
    if (q.to !== undefined && !isDay(q.to)) errors.push({ field: 'to', message: 'a date, YYYY-MM-DD' })
    if (errors.length) throw unprocessable('Invalid range', errors)
    // Today is included by default: YouTube has no figures for it yet, but the ledger has today's cost.
    const to = q.to ?? zonedDate(clock(), ANALYTICS_TIME_ZONE)
    const from = q.from ?? addDays(to, 1 - DEFAULT_DAYS)
    if (from > to) throw unprocessable('Invalid range: from is after to', [{ field: 'from', message: `after to (${to})` }])
    if (daysBetween(from, to).length > MAX_DAYS)
      throw unprocessable(`Invalid range: at most ${MAX_DAYS} days`, [{ field: 'from', message: `more than ${MAX_DAYS} days before to` }])
    return { from, to }
  }

  async function revenueOf(reader: typeof db, channelIds: string[]) {
    if (!channelIds.length) return new Map<string, RevenueStatus>()
    const rows = await reader
      .select({ channelId: analyticsChannels.channelId, revenue: analyticsChannels.revenue })
      .from(analyticsChannels)
      .where(inArray(analyticsChannels.channelId, channelIds))
    return new Map(rows.map((r) => [r.channelId, r.revenue]))
  }
  const revenueView = (status: RevenueStatus) => ({ status, message: REVENUE_MESSAGES[status] })

  /** The ledger's cost of a channel's videos per analytics day in [from, to]. */
  async function costByDay(reader: typeof db, channelIds: string[], from: string, to: string) {
    if (!channelIds.length) return []
    // The zone is a constant written into the statement: as a parameter, select and group by would differ.
    const day = sql<string>`to_char((${costLedger.createdAt} at time zone ${sql.raw(`'${ANALYTICS_TIME_ZONE}'`)})::date, 'YYYY-MM-DD')`
    return reader
      .select({ channelId: videos.channelId, day, costUsd: sql<string>`sum(${costLedger.amountUsd})` })
      .from(costLedger)
      .innerJoin(videos, eq(videos.id, costLedger.videoId))
      .where(
        and(
          inArray(videos.channelId, channelIds),
          gte(costLedger.createdAt, dayStart(from)),
          lt(costLedger.createdAt, dayStart(addDays(to, 1))),
        ),
      )
      .groupBy(videos.channelId, day)
  }

  const service = {
    catalog,
    ingestion,
    websub,

    /** `GET /v1/videos/:id/analytics`: the video's days, totals, lifetime revenue against its whole cost. */
    async video(userId: string, videoId: string, q: { from?: string; to?: string }) {
      const { from, to } = range(q)
      const video = await videoService.get(userId, videoId)
      const reader = await deps.reads.readerFor(userId)
      const [pub] = await reader
        .select({ youtubeVideoId: videoPublications.youtubeVideoId })
        .from(videoPublications)
        .where(eq(videoPublications.videoId, videoId))
      const youtubeVideoId = pub?.youtubeVideoId ?? null
      const [yt] = youtubeVideoId ? await reader.select().from(youtubeVideos).where(eq(youtubeVideos.youtubeVideoId, youtubeVideoId)) : []
      const days = youtubeVideoId
        ? await reader
            .select()
            .from(videoAnalyticsDaily)
            .where(and(eq(videoAnalyticsDaily.youtubeVideoId, youtubeVideoId), between(videoAnalyticsDaily.day, from, to)))
            .orderBy(asc(videoAnalyticsDaily.day))
        : []
      const [lifetime] = youtubeVideoId
        ? await reader
            .select({
              revenueUsd: sql<string>`coalesce(sum(${videoAnalyticsDaily.revenueUsd}), 0)`,
              since: sql<string | null>`min(${videoAnalyticsDaily.day})`,
            })
            .from(videoAnalyticsDaily)
            .where(eq(videoAnalyticsDaily.youtubeVideoId, youtubeVideoId))
        : []
      const [cost] = await reader
        .select({ usd: sql<string>`coalesce(sum(${costLedger.amountUsd}), 0)` })
        .from(costLedger)
        .where(and(eq(costLedger.videoId, videoId), eq(costLedger.userId, userId)))
      const revenue = (await revenueOf(reader, [video.channelId])).get(video.channelId) ?? 'unknown'
      const costUsd = usd(cost?.usd)
      const views = days.reduce((n, d) => n + d.views, 0)
      const revenueUsd = usd(days.reduce((n, d) => n + (d.revenueUsd ?? 0), 0))
      const lifetimeRevenue = usd(lifetime?.revenueUsd)
      return {
        videoId,
        channelId: video.channelId,
        title: video.title,
        youtubeVideoId,
        youtube: yt
          ? {
              url: `https://www.youtube.com/watch?v=${yt.youtubeVideoId}`,
              title: yt.title,
              status: yt.deletedAt ? ('deleted' as const) : ('live' as const),
              publishedAt: yt.publishedAt?.toISOString() ?? null,
              deletedAt: yt.deletedAt?.toISOString() ?? null,
              statistics: yt.statisticsAt
                ? { views: yt.views ?? 0, likes: yt.likes ?? 0, comments: yt.comments ?? 0, at: yt.statisticsAt.toISOString() }
                : null,
            }
          : null,
        from,
        to,
        ...CURRENCY,
        revenue: revenueView(revenue),
        days: days.map((d) => ({
          day: d.day,
          views: d.views,
          minutesWatched: d.minutesWatched,
          averageViewDurationS: d.averageViewDurationS,
          subscribersGained: d.subscribersGained,
          revenueUsd: d.revenueUsd === null ? null : usd(d.revenueUsd),
        })),
        totals: {
          views,
          minutesWatched: days.reduce((n, d) => n + d.minutesWatched, 0),
          // Weighted by views, as YouTube computes it over a range.
          averageViewDurationS: views ? days.reduce((n, d) => n + d.averageViewDurationS * d.views, 0) / views : 0,
          subscribersGained: days.reduce((n, d) => n + d.subscribersGained, 0),
          revenueUsd,
        },
        costUsd,
        /** revenue in the range less the video's whole cost */
        marginUsd: usd(revenueUsd - costUsd),
        lifetime: { since: lifetime?.since ?? null, revenueUsd: lifetimeRevenue, costUsd, marginUsd: usd(lifetimeRevenue - costUsd) },
      }
    },

    /** `GET /v1/channels/:id/analytics`: per-day totals with cost and margin, and every video sorted by margin. */
    async channel(userId: string, channelId: string, q: { from?: string; to?: string }) {
      const { from, to } = range(q)
      const ch = await channelService.get(userId, channelId)
      const reader = await deps.reads.readerFor(userId)
      const [dayRows, costs, videoRows, state, conn] = await Promise.all([
        reader
          .select()
          .from(channelAnalyticsDaily)
          .where(and(eq(channelAnalyticsDaily.channelId, channelId), between(channelAnalyticsDaily.day, from, to)))
          .orderBy(asc(channelAnalyticsDaily.day)),
        costByDay(reader, [channelId], from, to),
        service.videoTable(reader, channelId, from, to),
        reader.select().from(analyticsChannels).where(eq(analyticsChannels.channelId, channelId)),
        reader
          .select({ status: youtubeConnections.status, youtubeChannelId: youtubeConnections.youtubeChannelId })
          .from(youtubeConnections)
          .where(eq(youtubeConnections.channelId, channelId)),
      ])
      const costOf = new Map(costs.map((c) => [c.day, usd(c.costUsd)]))
      const metricsOf = new Map(dayRows.map((d) => [d.day, d]))
      const days = daysBetween(from, to).map((day) => {
        const d = metricsOf.get(day)
        const revenueUsd = d?.revenueUsd == null ? null : usd(d.revenueUsd)
        const costUsd = costOf.get(day) ?? 0
        return {
          day,
          views: d?.views ?? 0,
          minutesWatched: d?.minutesWatched ?? 0,
          subscribersGained: d?.subscribersGained ?? 0,
          revenueUsd,
          costUsd,
          marginUsd: usd((revenueUsd ?? 0) - costUsd),
        }
      })
      const s = state[0]
      const revenue = s?.revenue ?? 'unknown'
      const sum = (k: 'views' | 'minutesWatched' | 'subscribersGained' | 'costUsd') => days.reduce((n, d) => n + d[k], 0)
      const revenueUsd = usd(days.reduce((n, d) => n + (d.revenueUsd ?? 0), 0))
      const costUsd = usd(sum('costUsd'))
      return {
        channelId,
        name: ch.name,
        from,
        to,
        ...CURRENCY,
        revenue: revenueView(revenue),
        youtube: conn[0] ? { youtubeChannelId: conn[0].youtubeChannelId, status: conn[0].status } : null,
        sync: {
          lastRunAt: s?.lastRunAt?.toISOString() ?? null,
          lastRunStatus: s?.lastRunStatus ?? null,
          message: s?.lastRunMessage ?? null,
          ingestedThrough: s?.ingestedThrough ?? null,
          lastPolledAt: s?.lastPolledAt?.toISOString() ?? null,
        },
        totals: {
          views: sum('views'),
          minutesWatched: sum('minutesWatched'),
          subscribersGained: sum('subscribersGained'),
          revenueUsd,
          costUsd,
          marginUsd: usd(revenueUsd - costUsd),
        },
        days,
        videos: videoRows,
      }
    },

    /** The channel's YouTube videos over [from, to], with each one's whole cost, best margin first. */
    async videoTable(reader: typeof db, channelId: string, from: string, to: string) {
      const figures = reader
        .select({
          youtubeVideoId: videoAnalyticsDaily.youtubeVideoId,
          views: sql<string>`sum(${videoAnalyticsDaily.views})`.as('range_views'),
          minutesWatched: sql<number>`sum(${videoAnalyticsDaily.minutesWatched})`.as('range_minutes_watched'),
          revenueUsd: sql<string | null>`sum(${videoAnalyticsDaily.revenueUsd})`.as('range_revenue_usd'),
        })
        .from(videoAnalyticsDaily)
        .where(and(eq(videoAnalyticsDaily.channelId, channelId), between(videoAnalyticsDaily.day, from, to)))
        .groupBy(videoAnalyticsDaily.youtubeVideoId)
        .as('f')
      const costs = reader
        .select({ videoId: costLedger.videoId, costUsd: sql<string>`sum(${costLedger.amountUsd})`.as('video_cost_usd') })
        .from(costLedger)
        .where(
          inArray(
            costLedger.videoId,
            reader
              .select({ id: youtubeVideos.videoId })
              .from(youtubeVideos)
              .where(and(eq(youtubeVideos.channelId, channelId), isNotNull(youtubeVideos.videoId))),
          ),
        )
        .groupBy(costLedger.videoId)
        .as('c')
      const rows = await reader
        .select({
          youtubeVideoId: youtubeVideos.youtubeVideoId,
          videoId: youtubeVideos.videoId,
          title: youtubeVideos.title,
          source: youtubeVideos.source,
          publishedAt: youtubeVideos.publishedAt,
          deletedAt: youtubeVideos.deletedAt,
          views: figures.views,
          minutesWatched: figures.minutesWatched,
          revenueUsd: figures.revenueUsd,
          costUsd: costs.costUsd,
        })
        .from(youtubeVideos)
        .leftJoin(figures, eq(figures.youtubeVideoId, youtubeVideos.youtubeVideoId))
        .leftJoin(costs, eq(costs.videoId, youtubeVideos.videoId))
        .where(eq(youtubeVideos.channelId, channelId))
      return rows
        .map((r) => {
          const revenueUsd = r.revenueUsd === null ? null : usd(r.revenueUsd)
          const costUsd = usd(r.costUsd)
          return {
            youtubeVideoId: r.youtubeVideoId,
            videoId: r.videoId,
            title: r.title,
            source: r.source,
            status: r.deletedAt ? ('deleted' as const) : ('live' as const),
            publishedAt: r.publishedAt?.toISOString() ?? null,
            views: Number(r.views ?? 0),
            minutesWatched: Number(r.minutesWatched ?? 0),
            revenueUsd,
            costUsd,
            marginUsd: usd((revenueUsd ?? 0) - costUsd),
          }
        })
        .sort((a, b) => b.marginUsd - a.marginUsd || b.views - a.views || a.youtubeVideoId.localeCompare(b.youtubeVideoId))
    },

    /** `GET /v1/me/analytics`: every channel's month. */
    async month(userId: string, month: string) {
      const { from, to } = monthDays(month)
      const reader = await deps.reads.readerFor(userId)
      const mine = await reader
        .select({ id: channels.id, name: channels.name })
        .from(channels)
        .where(eq(channels.userId, userId))
        .orderBy(asc(channels.createdAt))
      const ids = mine.map((c) => c.id)
      const [figures, costs, revenue] = ids.length
        ? await Promise.all([
            reader
              .select({
                channelId: channelAnalyticsDaily.channelId,
                views: sql<string>`sum(${channelAnalyticsDaily.views})`,
                minutesWatched: sql<number>`sum(${channelAnalyticsDaily.minutesWatched})`,
                subscribersGained: sql<string>`sum(${channelAnalyticsDaily.subscribersGained})`,
                revenueUsd: sql<string | null>`sum(${channelAnalyticsDaily.revenueUsd})`,
              })
              .from(channelAnalyticsDaily)
              .where(and(inArray(channelAnalyticsDaily.channelId, ids), between(channelAnalyticsDaily.day, from, to)))
              .groupBy(channelAnalyticsDaily.channelId),
            costByDay(reader, ids, from, to),
            revenueOf(reader, ids),
          ])
        : [[], [], new Map<string, RevenueStatus>()]
      const byChannel = new Map(figures.map((f) => [f.channelId, f]))
      const costOf = new Map<string, number>()
      for (const c of costs) costOf.set(c.channelId, (costOf.get(c.channelId) ?? 0) + Number(c.costUsd))
      const rows = mine.map((c) => {
        const f = byChannel.get(c.id)
        const revenueUsd = f?.revenueUsd == null ? null : usd(f.revenueUsd)
        const costUsd = usd(costOf.get(c.id))
        return {
          channelId: c.id,
          name: c.name,
          views: Number(f?.views ?? 0),
          minutesWatched: Number(f?.minutesWatched ?? 0),
          subscribersGained: Number(f?.subscribersGained ?? 0),
          revenueUsd,
          revenue: revenueView(revenue.get(c.id) ?? 'unknown'),
          costUsd,
          marginUsd: usd((revenueUsd ?? 0) - costUsd),
        }
      })
      const total = (k: 'views' | 'minutesWatched' | 'costUsd') => rows.reduce((n, r) => n + r[k], 0)
      const revenueUsd = usd(rows.reduce((n, r) => n + (r.revenueUsd ?? 0), 0))
      return {
        month,
        from,
        to,
        ...CURRENCY,
        totals: {
          views: total('views'),
          minutesWatched: total('minutesWatched'),
          revenueUsd,
          costUsd: usd(total('costUsd')),
          marginUsd: usd(revenueUsd - total('costUsd')),
        },
        channels: rows.sort((a, b) => b.marginUsd - a.marginUsd),
      }
    },

    /** `POST /v1/analytics/channels/:id/refresh`: one run now (a run already waiting is not doubled). */
    async refresh(userId: string, channelId: string) {
      await channelService.get(userId, channelId)
      const conn = await youtube.connection(channelId)
      if (!conn)
        throw new Problem(409, 'Conflict', 'The channel is not connected to YouTube: POST /v1/channels/:id/youtube/connect first', {
          type: 'youtube-not-connected',
          errors: [{ field: 'id', message: 'not connected to YouTube' }],
        })
      const job = await runNow(channelId)
      return { channelId, jobId: job.id ?? null, queuedAt: new Date(clock()).toISOString() }
    },

    /** `POST /v1/analytics/refresh`: a run for each of the user's connected channels. */
    async refreshAll(userId: string) {
      const mine = await db
        .select({ channelId: youtubeConnections.channelId })
        .from(youtubeConnections)
        .where(eq(youtubeConnections.userId, userId))
      for (const { channelId } of mine) await runNow(channelId)
      return { channels: mine.map((c) => c.channelId), queuedAt: new Date(clock()).toISOString() }
    },

    /** The channel's runs, spread over the day; and one now (its first backfill, or after a reconnect). */
    async schedule(channelId: string, now = true) {
      await queue().upsertJobScheduler(
        schedulerId(channelId),
        { pattern: ingestPattern(channelId, cfg.runsPerDay), tz: 'UTC' },
        { name: 'run', data: { kind: 'run', channelId }, opts: jobOpts },
      )
      if (now) await runNow(channelId)
    },

    async unschedule(channelId: string) {
      await queue().removeJobScheduler(schedulerId(channelId))
    },

    /** The channel goes (deleted, disconnected, its account erased): no more runs, and the hub is asked to stop (from a job). */
    async stop(channelId: string) {
      await service.unschedule(channelId)
      const topic = await websub.markUnsubscribing(channelId)
      if (topic) await queue().add('unsubscribe', { kind: 'unsubscribe', topic }, jobOpts)
    },

    /** Once per core start: the hourly WebSub sweep, and schedules for channels connected before analytics existed. */
    async start() {
      await queue().upsertJobScheduler(
        SWEEP_SCHEDULER,
        { every: 3600_000 },
        { name: 'sweep', data: { kind: 'sweep' }, opts: { removeOnComplete: { count: 100 }, removeOnFail: { count: 100 } } },
      )
      const unscheduled = await db
        .select({ channelId: youtubeConnections.channelId })
        .from(youtubeConnections)
        .leftJoin(analyticsChannels, eq(analyticsChannels.channelId, youtubeConnections.channelId))
        .where(sql`${analyticsChannels.channelId} is null`)
      for (const { channelId } of unscheduled) {
        await db.insert(analyticsChannels).values({ channelId }).onConflictDoNothing()
        await service.schedule(channelId)
      }
    },

    /** A job from the queue. */
    async process(job: AnalyticsJob) {
      if (job.kind === 'sweep') return websub.sweep()
      if (job.kind === 'subscribe') return websub.subscribe(job.channelId)
      if (job.kind === 'unsubscribe') return websub.askToUnsubscribe(job.topic)
      return ingestion.run(job.channelId)
    },
  }

  // A channel's connection decides its schedule and its subscription.
  youtube.listen({
    async connected(channelId) {
      // Connected again (perhaps with revenue granted now, or to another YouTube channel): the next run backfills.
      await db
        .insert(analyticsChannels)
        .values({ channelId })
        .onConflictDoUpdate({ target: analyticsChannels.channelId, set: { ingestedThrough: null, uploadsPlaylistId: null } })
      await service.schedule(channelId)
      // The hub is called from a job, not from the consent's redirect; the hourly sweep is the backstop.
      if (websub.enabled) await queue().add('subscribe', { kind: 'subscribe', channelId }, jobOpts)
    },
    async blocked(channelId) {
      const conn = await youtube.connection(channelId)
      // Disconnected: no more runs, no more push. Needing a reconnect: runs record it and wait.
      if (conn) return
      await service.stop(channelId)
    },
  })
  return service
}
export type AnalyticsService = ReturnType<typeof createAnalyticsService>
