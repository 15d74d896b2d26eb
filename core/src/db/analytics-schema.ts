// Tables for analytics (re-exported by schema.ts): what YouTube says each video did, per day, the
// channel's YouTube videos (ours and those published elsewhere), each channel's ingestion state and
// its WebSub subscription.
import { ANALYTICS_RUN_STATUSES, REVENUE_STATUSES, WEBSUB_STATES, YOUTUBE_VIDEO_SIGHTINGS, YOUTUBE_VIDEO_SOURCES } from '@ytempire/contract'
import { bigint, date, doublePrecision, index, integer, numeric, pgTable, primaryKey, text } from 'drizzle-orm/pg-core'
import { at, channelRef, createdAt, extensionOf, ownerId, updatedAt, videoRefOrNull } from './columns'
import { channels } from './schema'

/** USD as YouTube reports it (estimatedRevenue is a decimal amount). */
const usd = (name: string) => numeric(name, { precision: 18, scale: 6, mode: 'number' })

/** Every YouTube video of a connected channel we know of: published by us (videoId) or elsewhere. */
export const youtubeVideos = pgTable(
  'youtube_videos',
  {
    youtubeVideoId: text('youtube_video_id').primaryKey(),
    channelId: channelRef(),
    userId: ownerId(),
    /** Ours: the video the platform published (video_publications.youtube_video_id). */
    videoId: videoRefOrNull(),
    source: text('source', { enum: YOUTUBE_VIDEO_SOURCES }).notNull(),
    firstSeenVia: text('first_seen_via', { enum: YOUTUBE_VIDEO_SIGHTINGS }).notNull(),
    title: text('title').notNull(),
    publishedAt: at('published_at'),
    /** A tombstone from WebSub, or videos.list no longer returning it. */
    deletedAt: at('deleted_at'),
    /** Lifetime counters from videos.list statistics. */
    views: bigint('views', { mode: 'number' }),
    likes: bigint('likes', { mode: 'number' }),
    comments: bigint('comments', { mode: 'number' }),
    statisticsAt: at('statistics_at'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('youtube_videos_channel_idx').on(t.channelId), index('youtube_videos_video_idx').on(t.videoId)],
)

const dailyMetrics = () => ({
  day: date('day', { mode: 'string' }).notNull(),
  views: bigint('views', { mode: 'number' }).notNull(),
  minutesWatched: doublePrecision('minutes_watched').notNull(),
  averageViewDurationS: doublePrecision('average_view_duration_s').notNull(),
  subscribersGained: integer('subscribers_gained').notNull(),
  /** null: revenue not available for the channel (see analytics_channels.revenue) */
  revenueUsd: usd('revenue_usd'),
  updatedAt: updatedAt(),
})

/** Analytics API v2, dimensions=video, one YouTube Analytics day (Pacific time) per row. */
export const videoAnalyticsDaily = pgTable(
  'video_analytics_daily',
  {
    youtubeVideoId: text('youtube_video_id').notNull(),
    channelId: channelRef(),
    ...dailyMetrics(),
  },
  (t) => [
    primaryKey({ columns: [t.youtubeVideoId, t.day] }),
    // A channel's range, grouped by video: the per-video table of GET /v1/channels/:id/analytics.
    index('video_analytics_daily_channel_day_idx').on(t.channelId, t.day),
  ],
)

/** Analytics API v2, dimensions=day for the whole channel (every video, ours or not). */
export const channelAnalyticsDaily = pgTable(
  'channel_analytics_daily',
  {
    channelId: channelRef(),
    ...dailyMetrics(),
  },
  (t) => [primaryKey({ columns: [t.channelId, t.day] })],
)

/** A connected channel's ingestion: where it stands, what it may ask for, how the last run went. */
export const analyticsChannels = pgTable('analytics_channels', {
  channelId: extensionOf('channel_id', () => channels.id),
  /** channels.list contentDetails.relatedPlaylists.uploads, read once */
  uploadsPlaylistId: text('uploads_playlist_id'),
  /** The last day ingested in full; the next run backfills from here less the refresh window. */
  ingestedThrough: date('ingested_through', { mode: 'string' }),
  revenue: text('revenue', { enum: REVENUE_STATUSES }).notNull().default('unknown'),
  /** When YouTube refused estimatedRevenue (403); asked again after ANALYTICS_REVENUE_RETRY_DAYS or a reconnect. */
  revenueForbiddenAt: at('revenue_forbidden_at'),
  /** YouTube refused the reports themselves (analytics scope not granted); asked again after a reconnect. */
  reportsForbiddenAt: at('reports_forbidden_at'),
  lastRunAt: at('last_run_at'),
  lastRunStatus: text('last_run_status', { enum: ANALYTICS_RUN_STATUSES }),
  lastRunMessage: text('last_run_message'),
  lastRunUnits: integer('last_run_units'),
  lastRunRows: integer('last_run_rows'),
  lastPolledAt: at('last_polled_at'),
  createdAt: createdAt(),
})

/** A channel's WebSub subscription to its YouTube feed; only these topics are confirmed or accepted. */
export const websubSubscriptions = pgTable(
  'websub_subscriptions',
  {
    channelId: extensionOf('channel_id', () => channels.id),
    youtubeChannelId: text('youtube_channel_id').notNull(),
    topic: text('topic').notNull().unique(),
    /** hub.secret, sealed (bound to the channel); deliveries are signed with it (HMAC-SHA1). */
    secretEnc: text('secret_enc').notNull(),
    state: text('state', { enum: WEBSUB_STATES }).notNull(),
    requestedAt: at('requested_at').notNull(),
    verifiedAt: at('verified_at'),
    leaseExpiresAt: at('lease_expires_at'),
    lastDeliveryAt: at('last_delivery_at'),
    lastError: text('last_error'),
  },
  (t) => [index('websub_subscriptions_lease_idx').on(t.state, t.leaseExpiresAt)],
)
