// The calls ingestion makes to Google, through googleapis: the Data API (the uploads playlist, its
// items, videos.list statistics in batches of 50) and the Analytics API v2 (reports.query). Each
// call takes the channel's access token; quota is counted by the caller before each call.
import { OAuth2Client } from 'google-auth-library'
// Only the two APIs used: the googleapis root module loads every Google API.
import { youtube, type youtube_v3 } from 'googleapis/build/src/apis/youtube'
import { youtubeAnalytics, type youtubeAnalytics_v2 } from 'googleapis/build/src/apis/youtubeAnalytics'
import type { YouTubeConfig } from '../youtube/config'

/** videos.list takes at most 50 ids a call. */
export const VIDEOS_PER_LIST = 50
/** A dimensions=video report answers at most 200 rows a page. */
export const VIDEOS_PER_REPORT = 200

export interface DayMetrics {
  views: number
  minutesWatched: number
  averageViewDurationS: number
  subscribersGained: number
  /** undefined when not asked for */
  revenueUsd?: number
}

export interface UploadItem {
  youtubeVideoId: string
  title: string
  publishedAt: string | null
}

export interface VideoStatistics {
  youtubeVideoId: string
  title: string
  publishedAt: string | null
  views: number
  likes: number
  comments: number
}

export interface YouTubeAnalyticsApi {
  uploadsPlaylist(accessToken: string): Promise<string | null>
  /** One page of the uploads playlist, newest first. */
  uploads(accessToken: string, playlistId: string, pageToken?: string): Promise<{ items: UploadItem[]; nextPageToken?: string }>
  /** At most VIDEOS_PER_LIST ids; videos YouTube no longer has are absent from the answer. */
  statistics(accessToken: string, ids: string[]): Promise<VideoStatistics[]>
  /** The channel's totals per day over [from, to]. */
  channelDays(accessToken: string, from: string, to: string, revenue: boolean): Promise<Map<string, DayMetrics>>
  /** One day's metrics per video, a page of up to VIDEOS_PER_REPORT (startIndex is 1-based). */
  videoDay(
    accessToken: string,
    day: string,
    revenue: boolean,
    startIndex: number,
  ): Promise<{ rows: Map<string, DayMetrics>; more: boolean }>
}

const METRICS = ['views', 'estimatedMinutesWatched', 'averageViewDuration', 'subscribersGained']
const REVENUE = 'estimatedRevenue'

export function createYouTubeAnalyticsApi(config: YouTubeConfig): YouTubeAnalyticsApi {
  // A run makes dozens of calls with one token: its clients are made once (building them is not free).
  const clients = new Map<string, { data: youtube_v3.Youtube; reports: youtubeAnalytics_v2.Youtubeanalytics }>()
  const clientsOf = (accessToken: string) => {
    let c = clients.get(accessToken)
    if (!c) {
      const auth = new OAuth2Client()
      auth.setCredentials({ access_token: accessToken })
      c = {
        data: youtube({ version: 'v3', auth, rootUrl: config.apiRoot }),
        reports: youtubeAnalytics({ version: 'v2', auth, rootUrl: config.analyticsRoot }),
      }
      if (clients.size >= 64) clients.delete(clients.keys().next().value!)
      clients.set(accessToken, c)
    }
    return c
  }
  const data = (accessToken: string) => clientsOf(accessToken).data
  const reports = (accessToken: string) => clientsOf(accessToken).reports
  // The SDK's retry would repeat a call the quota ledger counted once; ingestion retries whole runs.
  const once = { retry: false }

  async function query(accessToken: string, params: youtubeAnalytics_v2.Params$Resource$Reports$Query) {
    const { data: table } = await reports(accessToken).reports.query({ ids: 'channel==MINE', currency: 'USD', ...params }, once)
    return readTable(table)
  }

  /** A report of the day metrics (revenue too when asked) by one dimension, keyed by that dimension's value. */
  async function metricsBy(
    accessToken: string,
    dimension: 'day' | 'video',
    revenue: boolean,
    params: Omit<youtubeAnalytics_v2.Params$Resource$Reports$Query, 'dimensions' | 'metrics'>,
  ): Promise<Map<string, DayMetrics>> {
    const metrics = [...METRICS, ...(revenue ? [REVENUE] : [])].join(',')
    const rows = await query(accessToken, { ...params, dimensions: dimension, metrics })
    return new Map(rows.map((r) => [String(r[dimension]), metricsOf(r, revenue)]))
  }

  return {
    async uploadsPlaylist(accessToken) {
      const { data: res } = await data(accessToken).channels.list({ part: ['contentDetails'], mine: true }, once)
      return res.items?.[0]?.contentDetails?.relatedPlaylists?.uploads ?? null
    },
    async uploads(accessToken, playlistId, pageToken) {
      const { data: res } = await data(accessToken).playlistItems.list(
        { part: ['snippet', 'contentDetails'], playlistId, maxResults: 50, pageToken },
        once,
      )
      const items = (res.items ?? []).flatMap((i) => {
        const id = i.contentDetails?.videoId ?? i.snippet?.resourceId?.videoId
        if (!id) return []
        return [{ youtubeVideoId: id, title: i.snippet?.title ?? id, publishedAt: i.contentDetails?.videoPublishedAt ?? null }]
      })
      return { items, nextPageToken: res.nextPageToken ?? undefined }
    },
    async statistics(accessToken, ids) {
      if (ids.length > VIDEOS_PER_LIST) throw new Error(`videos.list takes at most ${VIDEOS_PER_LIST} ids`)
      const { data: res } = await data(accessToken).videos.list(
        { part: ['snippet', 'statistics'], id: ids, maxResults: VIDEOS_PER_LIST },
        once,
      )
      return (res.items ?? []).flatMap((v) =>
        v.id
          ? [
              {
                youtubeVideoId: v.id,
                title: v.snippet?.title ?? v.id,
                publishedAt: v.snippet?.publishedAt ?? null,
                views: Number(v.statistics?.viewCount ?? 0),
                likes: Number(v.statistics?.likeCount ?? 0),
                comments: Number(v.statistics?.commentCount ?? 0),
              },
            ]
          : [],
      )
    },
    async channelDays(accessToken, from, to, revenue) {
      return metricsBy(accessToken, 'day', revenue, { startDate: from, endDate: to, sort: 'day' })
    },
    async videoDay(accessToken, day, revenue, startIndex) {
      // A video report must be sorted and capped (YouTube refuses it otherwise).
      const params = { startDate: day, endDate: day, sort: '-views', maxResults: VIDEOS_PER_REPORT, startIndex }
      const rows = await metricsBy(accessToken, 'video', revenue, params)
      return { rows, more: rows.size === VIDEOS_PER_REPORT }
    },
  }
}

/** A result table (`columnHeaders` + `rows`) as one object per row, keyed by column name. */
export function readTable(table: youtubeAnalytics_v2.Schema$QueryResponse): Record<string, string | number>[] {
  const names = (table.columnHeaders ?? []).map((h) => h.name ?? '')
  return (table.rows ?? []).map((row) => Object.fromEntries(names.map((n, i) => [n, row[i] as string | number])))
}

function metricsOf(r: Record<string, string | number>, revenue: boolean): DayMetrics {
  return {
    views: Number(r.views ?? 0),
    minutesWatched: Number(r.estimatedMinutesWatched ?? 0),
    averageViewDurationS: Number(r.averageViewDuration ?? 0),
    subscribersGained: Number(r.subscribersGained ?? 0),
    ...(revenue ? { revenueUsd: Number(r[REVENUE] ?? 0) } : {}),
  }
}

/** Google's HTTP status and first error reason of a failed call. */
export function googleFailure(err: unknown): { status?: number; reason?: string } {
  const e = err as { response?: { status?: number; data?: { error?: { errors?: { reason?: string }[] } } }; status?: number }
  return { status: e?.response?.status ?? e?.status, reason: e?.response?.data?.error?.errors?.[0]?.reason }
}
