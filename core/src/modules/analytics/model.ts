import { ANALYTICS_RUN_STATUSES, REVENUE_STATUSES, YOUTUBE_VIDEO_SOURCES } from '@ytempire/contract'
import { t } from 'elysia'
import { strict } from '../../http/schema'

const Day = t.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'YYYY-MM-DD, a YouTube Analytics day (Pacific time)' })
const Usd = t.Number({ description: 'USD' })
const NullableUsd = t.Nullable(Usd, { description: 'USD; null where revenue is not available' })

export const RangeQuery = t.Object(
  {
    from: t.Optional(t.String({ description: 'YYYY-MM-DD; default 27 days before `to`' })),
    to: t.Optional(t.String({ description: 'YYYY-MM-DD; default yesterday (Pacific), the last day YouTube has figures for' })),
  },
  strict,
)

export const MonthQuery = t.Object(
  { month: t.Optional(t.String({ pattern: '^\\d{4}-(0[1-9]|1[0-2])$', description: 'YYYY-MM; default this month (Pacific)' })) },
  strict,
)

const Currency = {
  currency: t.Literal('USD'),
  currencyNote: t.String(),
}

const Revenue = t.Object({
  status: t.UnionEnum(REVENUE_STATUSES),
  message: t.Nullable(t.String({ description: 'why revenue is not counted, in words' })),
})

export const VideoAnalyticsView = t.Object({
  videoId: t.String(),
  channelId: t.String(),
  title: t.Nullable(t.String()),
  youtubeVideoId: t.Nullable(t.String({ description: 'null until the video is published to YouTube' })),
  youtube: t.Nullable(
    t.Object({
      url: t.String(),
      title: t.String({ description: 'the title on YouTube now' }),
      status: t.Union([t.Literal('live'), t.Literal('deleted')]),
      publishedAt: t.Nullable(t.String()),
      deletedAt: t.Nullable(t.String()),
      statistics: t.Nullable(t.Object({ views: t.Number(), likes: t.Number(), comments: t.Number(), at: t.String() })),
    }),
  ),
  from: Day,
  to: Day,
  ...Currency,
  revenue: Revenue,
  days: t.Array(
    t.Object({
      day: Day,
      views: t.Number(),
      minutesWatched: t.Number(),
      averageViewDurationS: t.Number(),
      subscribersGained: t.Number(),
      revenueUsd: NullableUsd,
    }),
  ),
  totals: t.Object({
    views: t.Number(),
    minutesWatched: t.Number(),
    averageViewDurationS: t.Number(),
    subscribersGained: t.Number(),
    revenueUsd: Usd,
  }),
  costUsd: t.Number({ description: "the video's whole cost (cost ledger)" }),
  marginUsd: t.Number({ description: 'revenue in the range less the whole cost' }),
  lifetime: t.Object({ since: t.Nullable(Day), revenueUsd: Usd, costUsd: Usd, marginUsd: Usd }),
})

export const ChannelVideoRow = t.Object({
  youtubeVideoId: t.String(),
  videoId: t.Nullable(t.String({ description: 'the platform video; null for one published outside the platform' })),
  title: t.String(),
  source: t.UnionEnum(YOUTUBE_VIDEO_SOURCES),
  status: t.Union([t.Literal('live'), t.Literal('deleted')]),
  publishedAt: t.Nullable(t.String()),
  views: t.Number(),
  minutesWatched: t.Number(),
  revenueUsd: NullableUsd,
  costUsd: Usd,
  marginUsd: Usd,
})

export const ChannelAnalyticsView = t.Object({
  channelId: t.String(),
  name: t.String(),
  from: Day,
  to: Day,
  ...Currency,
  revenue: Revenue,
  youtube: t.Nullable(t.Object({ youtubeChannelId: t.String(), status: t.String() })),
  sync: t.Object({
    lastRunAt: t.Nullable(t.String()),
    lastRunStatus: t.Nullable(t.UnionEnum(ANALYTICS_RUN_STATUSES)),
    message: t.Nullable(t.String()),
    ingestedThrough: t.Nullable(Day),
    lastPolledAt: t.Nullable(t.String()),
  }),
  totals: t.Object({
    views: t.Number(),
    minutesWatched: t.Number(),
    subscribersGained: t.Number(),
    revenueUsd: Usd,
    costUsd: Usd,
    marginUsd: Usd,
  }),
  days: t.Array(
    t.Object({
      day: Day,
      views: t.Number(),
      minutesWatched: t.Number(),
      subscribersGained: t.Number(),
      revenueUsd: NullableUsd,
      costUsd: Usd,
      marginUsd: Usd,
    }),
  ),
  videos: t.Array(ChannelVideoRow, { description: 'best margin first' }),
})

export const MonthAnalyticsView = t.Object({
  month: t.String(),
  from: Day,
  to: Day,
  ...Currency,
  totals: t.Object({ views: t.Number(), minutesWatched: t.Number(), revenueUsd: Usd, costUsd: Usd, marginUsd: Usd }),
  channels: t.Array(
    t.Object({
      channelId: t.String(),
      name: t.String(),
      views: t.Number(),
      minutesWatched: t.Number(),
      subscribersGained: t.Number(),
      revenueUsd: NullableUsd,
      revenue: Revenue,
      costUsd: Usd,
      marginUsd: Usd,
    }),
    { description: 'best margin first' },
  ),
})

export const RefreshView = t.Object({ channelId: t.String(), jobId: t.Nullable(t.String()), queuedAt: t.String() })
export const RefreshAllView = t.Object({ channels: t.Array(t.String()), queuedAt: t.String() })
