// One analytics run of a connected channel: the uploads poll (catches what push missed), the
// Analytics API reports per day (channel totals) and per day and video, then videos.list statistics
// in batches of 50 (which also tells of deleted videos). Every call is counted against the shared
// quota bucket before it is made; rows are upserted so that running a day again changes nothing.
import { YOUTUBE_SCOPES, type YouTubeMethod } from '@ytempire/contract'
import { eq, sql } from 'drizzle-orm'
import { analyticsChannels, channelAnalyticsDaily, videoAnalyticsDaily } from '../../db/schema'
import type { Deps } from '../../deps'
import { invalidateUser } from '../../http/cached'
import { GrantRevokedError } from '../youtube/grant-revoked-error'
import type { YouTubeService } from '../youtube/service'
import type { VideoCatalog } from './catalog'
import { addDays, daysBetween, lastCompleteDay } from './days'
import type { AnalyticsMetrics } from './metrics'
import { QuotaSpentError } from './quota-spent-error'
import { type DayMetrics, googleFailure, VIDEOS_PER_LIST, type YouTubeAnalyticsApi } from './youtube-api'

type StateRow = typeof analyticsChannels.$inferSelect

export interface RunResult {
  status: 'ok' | 'waiting_quota' | 'reconnect_needed' | 'failed' | 'not_connected'
  units: number
  rows: number
  from?: string
  to?: string
  newVideos: number
  message?: string
}

export function createIngestion(
  deps: Deps,
  youtube: YouTubeService,
  catalog: VideoCatalog,
  api: YouTubeAnalyticsApi,
  metrics: AnalyticsMetrics,
) {
  const db = deps.database.db
  const { clock, log } = deps
  const cfg = deps.config.analytics

  async function state(channelId: string): Promise<StateRow> {
    await db.insert(analyticsChannels).values({ channelId }).onConflictDoNothing()
    const [row] = await db.select().from(analyticsChannels).where(eq(analyticsChannels.channelId, channelId))
    return row!
  }

  /** A run's calls: each reserved against the quota first; a refused token is refreshed once. */
  function caller(channelId: string) {
    let units = 0
    let token: string | undefined
    async function call<T>(method: YouTubeMethod, fn: (accessToken: string) => Promise<T>): Promise<T> {
      for (let attempt = 0; ; attempt++) {
        const reserved = await youtube.quota.reserve(method)
        if (!reserved.granted) throw new QuotaSpentError(reserved.resetAt)
        units += deps.config.youtube.quotaCosts[method].units
        token ??= (await youtube.accessToken(channelId)).accessToken
        try {
          return await fn(token)
        } catch (err) {
          const { status, reason } = googleFailure(err)
          if (status === 401 && attempt === 0) {
            youtube.forgetAccessToken(channelId)
            token = undefined
            continue
          }
          if (reason === 'quotaExceeded') throw new QuotaSpentError((await youtube.quota.markSpent(reserved.bucket)).resetAt)
          throw err
        }
      }
    }
    return { call, units: () => units }
  }

  /** Newest uploads first, page by page, until a page holds nothing new. */
  async function pollUploads(s: StateRow, call: ReturnType<typeof caller>['call'], channel: { channelId: string; userId: string }) {
    let playlistId = s.uploadsPlaylistId
    if (!playlistId) {
      playlistId = await call('channels.list', (t) => api.uploadsPlaylist(t))
      if (!playlistId) return 0
      await db.update(analyticsChannels).set({ uploadsPlaylistId: playlistId }).where(eq(analyticsChannels.channelId, s.channelId))
    }
    let added = 0
    let pageToken: string | undefined
    for (let page = 0; page < cfg.pollPages; page++) {
      const res = await call('playlistItems.list', (t) => api.uploads(t, playlistId!, pageToken))
      const known = await catalog.known(
        s.channelId,
        res.items.map((i) => i.youtubeVideoId),
      )
      added += (await catalog.seen(channel, res.items, 'poll')).added
      if (!res.nextPageToken || res.items.every((i) => known.has(i.youtubeVideoId))) break
      pageToken = res.nextPageToken
    }
    await db
      .update(analyticsChannels)
      .set({ lastPolledAt: new Date(clock()) })
      .where(eq(analyticsChannels.channelId, s.channelId))
    return added
  }

  /** Whether to ask for estimatedRevenue this run: granted, and not refused lately (or reconnected since). */
  function revenueWanted(s: StateRow, scopes: string[], connectedAt: Date): boolean {
    if (!scopes.includes(YOUTUBE_SCOPES.monetary)) return false
    if (s.revenue !== 'forbidden' || !s.revenueForbiddenAt) return true
    return connectedAt > s.revenueForbiddenAt || clock() - s.revenueForbiddenAt.getTime() >= cfg.revenueRetryS * 1000
  }

  async function upsertDays(channelId: string, channelDays: Map<string, DayMetrics>, videoDays: Map<string, Map<string, DayMetrics>>) {
    const now = new Date(clock())
    const metric = (m: DayMetrics) => ({
      views: m.views,
      minutesWatched: m.minutesWatched,
      averageViewDurationS: m.averageViewDurationS,
      subscribersGained: m.subscribersGained,
      revenueUsd: m.revenueUsd ?? null,
      updatedAt: now,
    })
    const update = (t: typeof channelAnalyticsDaily | typeof videoAnalyticsDaily) => ({
      set: {
        views: sql`excluded.views`,
        minutesWatched: sql`excluded.minutes_watched`,
        averageViewDurationS: sql`excluded.average_view_duration_s`,
        subscribersGained: sql`excluded.subscribers_gained`,
        // A run without revenue (refused since) keeps what an earlier run stored.
        revenueUsd: sql`coalesce(excluded.revenue_usd, ${t.revenueUsd})`,
        updatedAt: sql`excluded.updated_at`,
      },
      // The same figures again: the row is left alone, updated_at included.
      setWhere: sql`(${t.views}, ${t.minutesWatched}, ${t.averageViewDurationS}, ${t.subscribersGained}, ${t.revenueUsd})
        is distinct from (excluded.views, excluded.minutes_watched, excluded.average_view_duration_s, excluded.subscribers_gained,
        coalesce(excluded.revenue_usd, ${t.revenueUsd}))`,
    })
    let rows = 0
    if (channelDays.size) {
      await db
        .insert(channelAnalyticsDaily)
        .values([...channelDays].map(([day, m]) => ({ channelId, day, ...metric(m) })))
        .onConflictDoUpdate({ target: [channelAnalyticsDaily.channelId, channelAnalyticsDaily.day], ...update(channelAnalyticsDaily) })
      rows += channelDays.size
    }
    const videoRows = [...videoDays].flatMap(([day, byVideo]) =>
      [...byVideo].map(([youtubeVideoId, m]) => ({ youtubeVideoId, channelId, day, ...metric(m) })),
    )
    // PostgreSQL takes at most 65,535 parameters a statement: 9 a row.
    for (let i = 0; i < videoRows.length; i += 5000) {
      await db
        .insert(videoAnalyticsDaily)
        .values(videoRows.slice(i, i + 5000))
        .onConflictDoUpdate({ target: [videoAnalyticsDaily.youtubeVideoId, videoAnalyticsDaily.day], ...update(videoAnalyticsDaily) })
    }
    return rows + videoRows.length
  }

  return {
    /** One run for a channel; never throws for what YouTube answered (the outcome is recorded), only for faults worth a retry. */
    async run(channelId: string): Promise<RunResult> {
      const conn = await youtube.connection(channelId)
      if (!conn) return { status: 'not_connected', units: 0, rows: 0, newVideos: 0 }
      const s = await state(channelId)
      const channel = { channelId, userId: conn.userId }
      const { call, units } = caller(channelId)
      const to = lastCompleteDay(clock)
      const earliest = addDays(to, 1 - cfg.backfillDays)
      const since = s.ingestedThrough ? addDays(s.ingestedThrough, 1) : earliest
      const refresh = addDays(to, 1 - cfg.refreshDays)
      // The earlier of the gap since the last run and the refresh window, never before the backfill.
      const from = [[since, refresh].sort()[0]!, earliest].sort()[1]!
      let rows = 0
      let newVideos = 0
      const finish = async (status: RunResult['status'], message: string | null, patch: Partial<StateRow> = {}) => {
        if (status !== 'not_connected')
          await db
            .update(analyticsChannels)
            .set({
              lastRunAt: new Date(clock()),
              lastRunStatus: status,
              lastRunMessage: message,
              lastRunUnits: units(),
              lastRunRows: rows,
              ...patch,
            })
            .where(eq(analyticsChannels.channelId, channelId))
        await invalidateUser(deps, conn.userId)
        metrics.runs.inc({ status })
        metrics.rows.inc(rows)
        return { status, units: units(), rows, from, to, newVideos, message: message ?? undefined }
      }
      if (conn.status === 'reconnect_needed') return finish('reconnect_needed', conn.statusReason ?? 'the channel needs reconnecting')
      try {
        newVideos += await pollUploads(s, call, channel)

        const patch: Partial<StateRow> = {}
        const reportsAllowed = !s.reportsForbiddenAt || conn.connectedAt > s.reportsForbiddenAt
        if (reportsAllowed) {
          let revenue = revenueWanted(s, conn.scopes, conn.connectedAt)
          if (!conn.scopes.includes(YOUTUBE_SCOPES.monetary)) patch.revenue = 'not_granted'
          let channelDays: Map<string, DayMetrics> | undefined
          try {
            channelDays = await call('reports.query', (t) => api.channelDays(t, from, to, revenue))
            if (revenue) Object.assign(patch, { revenue: 'available', revenueForbiddenAt: null })
          } catch (err) {
            if (googleFailure(err).status !== 403) throw err
            if (revenue) {
              // Not in the Partner Program (or the grant lacks the monetary scope): remembered, asked again later.
              revenue = false
              Object.assign(patch, { revenue: 'forbidden', revenueForbiddenAt: new Date(clock()) })
              log.info({ channelId }, 'YouTube refused estimatedRevenue for this channel; not asking again for a while')
              try {
                channelDays = await call('reports.query', (t) => api.channelDays(t, from, to, false))
              } catch (again) {
                if (googleFailure(again).status !== 403) throw again
              }
            }
            if (!channelDays) {
              await db
                .update(analyticsChannels)
                .set({ ...patch, reportsForbiddenAt: new Date(clock()) })
                .where(eq(analyticsChannels.channelId, channelId))
              return finish('failed', 'YouTube refused the analytics reports: connect the channel again and allow YouTube Analytics')
            }
          }
          const videoDays = new Map<string, Map<string, DayMetrics>>()
          for (const day of daysBetween(from, to)) {
            const byVideo = new Map<string, DayMetrics>()
            for (let start = 1; ; ) {
              const page = await call('reports.query', (t) => api.videoDay(t, day, revenue, start))
              for (const [id, m] of page.rows) byVideo.set(id, m)
              if (!page.more) break
              start += page.rows.size
            }
            videoDays.set(day, byVideo)
          }
          // A video first met in a report (published elsewhere and missed by push and poll) joins the catalogue.
          const reported = [...new Set([...videoDays.values()].flatMap((m) => [...m.keys()]))]
          const known = await catalog.known(channelId, reported)
          newVideos += (
            await catalog.seen(
              channel,
              reported.filter((id) => !known.has(id)).map((id) => ({ youtubeVideoId: id, title: null, publishedAt: null })),
              'report',
            )
          ).added
          rows += await upsertDays(channelId, channelDays, videoDays)
          patch.ingestedThrough = to
        }

        // Lifetime counters; a video YouTube no longer returns has been deleted.
        const live = (await catalog.live(channelId)).map((v) => v.youtubeVideoId)
        for (let i = 0; i < live.length; i += VIDEOS_PER_LIST) {
          const batch = live.slice(i, i + VIDEOS_PER_LIST)
          const stats = await call('videos.list', (t) => api.statistics(t, batch))
          const now = new Date(clock())
          await catalog.seen(channel, stats, 'poll')
          await catalog.statistics(channelId, stats, now)
          const returned = new Set(stats.map((v) => v.youtubeVideoId))
          for (const id of batch) if (!returned.has(id)) await catalog.deleted(channel, id, now)
        }
        return finish('ok', null, patch)
      } catch (err) {
        if (err instanceof QuotaSpentError) return finish('waiting_quota', err.message)
        if (err instanceof GrantRevokedError) return finish('reconnect_needed', err.message)
        await finish('failed', err instanceof Error ? err.message : String(err))
        throw err
      }
    },
  }
}
export type Ingestion = ReturnType<typeof createIngestion>
