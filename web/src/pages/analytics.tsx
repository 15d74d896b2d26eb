// What the videos earned against what they cost: across channels for a month, per channel by day with
// its videos sorted by margin, and per video. Every chart has its numbers in a table beside it.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useSearch } from '@tanstack/react-router'
import { useMemo } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { channelAnalyticsQuery, lastMonths, monthAnalyticsQuery, videoAnalyticsQuery } from '../api/queries'
import { api } from '../api/session'
import type { ChannelAnalytics, MonthAnalytics, VideoAnalytics } from '../api/types'
import { dateTime, Empty, LoadError, Loading, money, QueryView } from '../ui/bits'
import { BarChart, LineChart } from '../ui/chart'
import { Options, ProblemAlert } from '../ui/forms'
import { type Column, DataTable } from '../ui/table'
import { useCanWrite } from '../ui/write-access'

const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
export const views = (n: number) => count.format(n)
const hours = (minutes: number) => `${new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 }).format(minutes / 60)} h`
const signed = (n: number) => <span className={n < 0 ? 'negative' : 'positive'}>{money(n)}</span>
const COLORS = { views: '#2f6fde', watch: '#7a4fd6', revenue: '#1f8a4c', cost: '#c2410c', margin: '#0f766e' }

// The figures a channel, a video and a day share, one column each; revenue is null where YouTube gave none.
const VIEWS: Column<{ views: number }> = { head: 'Views', num: true, cell: (r) => views(r.views) }
const WATCH_TIME: Column<{ minutesWatched: number }> = { head: 'Watch time', num: true, cell: (r) => hours(r.minutesWatched) }
const REVENUE: Column<{ revenueUsd: number | null }> = {
  head: 'Revenue',
  num: true,
  cell: (r) => (r.revenueUsd == null ? 'n/a' : money(r.revenueUsd)),
}
const COST: Column<{ costUsd: number }> = { head: 'Cost', num: true, cell: (r) => money(r.costUsd) }
const MARGIN: Column<{ marginUsd: number }> = { head: 'Margin', num: true, cell: (r) => signed(r.marginUsd) }
const DAY: Column<{ day: string }> = { head: 'Day', rowHeader: true, cell: (d) => d.day }

type MonthChannel = MonthAnalytics['channels'][number]
type ChannelDay = ChannelAnalytics['days'][number]
type ChannelVideo = ChannelAnalytics['videos'][number]
type VideoDay = VideoAnalytics['days'][number]

function Figures({ items }: { items: { label: string; value: React.ReactNode; testId?: string }[] }) {
  return (
    <dl className="figures">
      {items.map((i) => (
        <div key={i.label}>
          <dt>{i.label}</dt>
          <dd className="figure" data-testid={i.testId}>
            {i.value}
          </dd>
        </div>
      ))}
    </dl>
  )
}

function RevenueNote({ revenue }: { revenue: { status: string; message: string | null } }) {
  return revenue.message ? (
    <p className="alert alert-info" role="note">
      {revenue.message}
    </p>
  ) : null
}

const monthColumns = (month: string): Column<MonthChannel>[] => [
  {
    head: 'Channel',
    rowHeader: true,
    cell: (c) => (
      <Link to="/analytics" search={{ month, channelId: c.channelId }}>
        {c.name}
      </Link>
    ),
  },
  VIEWS,
  WATCH_TIME,
  { ...REVENUE, attrs: (c) => ({ title: c.revenue.message ?? undefined }) },
  COST,
  MARGIN,
]

/** `/analytics`: every channel's month, and one channel's days when picked. */
export function AnalyticsPage() {
  const search = useSearch({ from: '/app/analytics' })
  const navigate = useNavigate({ from: '/analytics' })
  const months = useMemo(() => lastMonths(12).reverse(), [])
  const month = search.month ?? months[0]!
  const data = useQuery(monthAnalyticsQuery(month))
  const m = data.data
  const series = useMemo(
    () =>
      m
        ? [
            { label: 'Revenue', color: COLORS.revenue, values: m.channels.map((c) => c.revenueUsd ?? 0) },
            { label: 'Cost', color: COLORS.cost, values: m.channels.map((c) => c.costUsd) },
          ]
        : [],
    [m],
  )
  const names = useMemo(() => m?.channels.map((c) => c.name) ?? [], [m])

  return (
    <>
      <div className="section-head">
        <div>
          <h1>Analytics</h1>
          <p className="muted">What each channel earned on YouTube against what its videos cost.</p>
        </div>
        <label className="inline-field">
          Month
          <select value={month} onChange={(e) => navigate({ search: { ...search, month: e.target.value } })}>
            <Options values={months} />
          </select>
        </label>
      </div>
      <QueryView
        query={data}
        loading="Loading analytics"
        isEmpty={(m) => m.channels.length === 0}
        empty={
          <Empty title="No channels yet.">
            <p>Connect a channel to YouTube and its views, watch time and revenue appear here, beside what its videos cost.</p>
            <Link to="/channels" className="button primary">
              Channels
            </Link>
          </Empty>
        }
      >
        {(m) => (
          <>
            <section className="card" aria-labelledby="month-h">
              <h2 id="month-h">
                {m.month}: all channels ({m.currency})
              </h2>
              <Figures
                items={[
                  { label: 'Views', value: views(m.totals.views), testId: 'month-views' },
                  { label: 'Watch time', value: hours(m.totals.minutesWatched) },
                  { label: 'Revenue', value: money(m.totals.revenueUsd), testId: 'month-revenue' },
                  { label: 'Cost', value: money(m.totals.costUsd), testId: 'month-cost' },
                  { label: 'Margin', value: signed(m.totals.marginUsd), testId: 'month-margin' },
                ]}
              />
              <BarChart categories={names} series={series} format={money} />
              <DataTable
                caption={`Channels in ${m.month}, best margin first`}
                columns={monthColumns(month)}
                rows={m.channels}
                rowKey={(c) => c.channelId}
              />
              <p className="muted small">{m.currencyNote}</p>
            </section>
            {search.channelId && <ChannelAnalyticsPanel channelId={search.channelId} />}
          </>
        )}
      </QueryView>
    </>
  )
}

/** A channel's last 28 days: views and watch time, revenue against cost, and its videos by margin. */
export function ChannelAnalyticsPanel({ channelId }: { channelId: string }) {
  const qc = useQueryClient()
  const data = useQuery(channelAnalyticsQuery(channelId))
  const canWrite = useCanWrite()
  const refresh = useMutation({
    mutationFn: () => unwrap(api.v1.analytics.channels({ id: channelId }).refresh.post()),
    onSuccess: () => setTimeout(() => void qc.invalidateQueries({ queryKey: ['analytics'] }), 5000),
  })
  const a = data.data
  if (data.isPending) return <Loading what="Loading the channel's analytics" />
  if (data.error || !a) return <LoadError error={data.error} retry={() => data.refetch()} />
  return (
    <section className="card" aria-labelledby={`ca-${channelId}`}>
      <div className="section-head">
        <h2 id={`ca-${channelId}`}>
          {a.name}: {a.from} to {a.to}
        </h2>
        {a.youtube && canWrite && (
          <button type="button" className="button" disabled={refresh.isPending || refresh.isSuccess} onClick={() => refresh.mutate()}>
            {refresh.isSuccess ? 'Refresh queued' : 'Refresh from YouTube'}
          </button>
        )}
      </div>
      <ProblemAlert problem={problemOf(refresh.error)} />
      {!a.youtube && <p className="muted">Not connected to YouTube: connect it in the channel's settings to bring its figures in.</p>}
      <p className="muted small" data-testid="sync-status">
        {a.sync.lastRunAt
          ? `Last brought in ${dateTime(a.sync.lastRunAt)} (${a.sync.lastRunStatus}${a.sync.message ? `: ${a.sync.message}` : ''})`
          : 'Not brought in yet.'}
      </p>
      <RevenueNote revenue={a.revenue} />
      <Figures
        items={[
          { label: 'Views', value: views(a.totals.views), testId: 'channel-views' },
          { label: 'Watch time', value: hours(a.totals.minutesWatched) },
          { label: 'Revenue', value: money(a.totals.revenueUsd) },
          { label: 'Cost', value: money(a.totals.costUsd) },
          { label: 'Margin', value: signed(a.totals.marginUsd), testId: 'channel-margin' },
        ]}
      />
      <ChannelCharts a={a} />
      <ChannelVideos a={a} />
      <p className="muted small">{a.currencyNote}</p>
    </section>
  )
}

const CHANNEL_DAY_COLUMNS: Column<ChannelDay>[] = [
  DAY,
  VIEWS,
  WATCH_TIME,
  { head: 'Subscribers', num: true, cell: (d) => d.subscribersGained },
  REVENUE,
  COST,
  MARGIN,
]

function ChannelCharts({ a }: { a: ChannelAnalytics }) {
  const days = useMemo(() => a.days.map((d) => d.day), [a])
  const audience = useMemo(() => [{ label: 'Views', color: COLORS.views, values: a.days.map((d) => d.views) }], [a])
  const watch = useMemo(() => [{ label: 'Watch time (h)', color: COLORS.watch, values: a.days.map((d) => d.minutesWatched / 60) }], [a])
  const money3 = useMemo(
    () => [
      { label: 'Revenue', color: COLORS.revenue, values: a.days.map((d) => d.revenueUsd ?? 0) },
      { label: 'Cost', color: COLORS.cost, values: a.days.map((d) => d.costUsd), dash: true },
      { label: 'Margin', color: COLORS.margin, values: a.days.map((d) => d.marginUsd) },
    ],
    [a],
  )
  return (
    <>
      <div className="grid-2">
        <figure className="chart-box">
          <figcaption>Views a day</figcaption>
          <LineChart days={days} series={audience} format={views} />
        </figure>
        <figure className="chart-box">
          <figcaption>Watch time a day</figcaption>
          <LineChart days={days} series={watch} format={(n) => `${n.toFixed(1)} h`} />
        </figure>
      </div>
      <figure className="chart-box">
        <figcaption>Revenue, cost and margin a day (USD)</figcaption>
        <LineChart days={days} series={money3} format={money} />
      </figure>
      <details>
        <summary>The days in numbers</summary>
        <DataTable caption="Each day's figures" hideCaption compact columns={CHANNEL_DAY_COLUMNS} rows={a.days} rowKey={(d) => d.day} />
      </details>
    </>
  )
}

const VIDEO_COLUMNS: Column<ChannelVideo>[] = [
  {
    head: 'Video',
    rowHeader: true,
    cell: (v) => (
      <>
        {v.videoId ? (
          <Link to="/videos/$videoId" params={{ videoId: v.videoId }}>
            {v.title}
          </Link>
        ) : (
          <a href={`https://www.youtube.com/watch?v=${v.youtubeVideoId}`} rel="noreferrer noopener" target="_blank">
            {v.title}
          </a>
        )}{' '}
        {v.source === 'external' && <span className="badge">published elsewhere</span>}
        {v.status === 'deleted' && <span className="badge badge-failed">deleted</span>}
      </>
    ),
  },
  VIEWS,
  WATCH_TIME,
  REVENUE,
  COST,
  MARGIN,
]

/** The channel's YouTube videos, ours and those published elsewhere, best margin first. */
function ChannelVideos({ a }: { a: ChannelAnalytics }) {
  if (a.videos.length === 0) return <p className="muted">No videos on YouTube yet.</p>
  return (
    <DataTable
      testId="videos-by-margin"
      caption={`Videos by margin (${a.from} to ${a.to}; cost is each video's whole cost)`}
      columns={VIDEO_COLUMNS}
      rows={a.videos}
      rowKey={(v) => v.youtubeVideoId}
    />
  )
}

/** The video page's analytics: revenue building up against the cost, and the daily audience. */
export function VideoAnalyticsPanel({ videoId }: { videoId: string }) {
  const data = useQuery(videoAnalyticsQuery(videoId))
  const a = data.data
  if (data.isPending) return <Loading what="Loading the analytics" />
  if (data.error || !a) return <LoadError error={data.error} retry={() => data.refetch()} />
  if (!a.youtubeVideoId)
    return <p className="muted">Not on YouTube yet: once it is published, its views and revenue appear here beside its cost.</p>
  return <VideoAnalyticsBody a={a} />
}

const VIDEO_DAY_COLUMNS: Column<VideoDay>[] = [
  DAY,
  VIEWS,
  WATCH_TIME,
  { head: 'Avg. view', num: true, cell: (d) => `${Math.round(d.averageViewDurationS)} s` },
  REVENUE,
]

function VideoAnalyticsBody({ a }: { a: VideoAnalytics }) {
  const days = useMemo(() => a.days.map((d) => d.day), [a])
  const breakeven = useMemo(() => {
    let total = 0
    return [
      { label: 'Revenue so far', color: COLORS.revenue, values: a.days.map((d) => (total += d.revenueUsd ?? 0)) },
      { label: 'Cost', color: COLORS.cost, values: a.days.map(() => a.costUsd), dash: true },
    ]
  }, [a])
  const audience = useMemo(() => [{ label: 'Views', color: COLORS.views, values: a.days.map((d) => d.views) }], [a])
  return (
    <>
      {a.youtube && (
        <p className="muted">
          On YouTube as “{a.youtube.title}”{a.youtube.status === 'deleted' ? ' (deleted)' : ''} ·{' '}
          <a href={a.youtube.url} rel="noreferrer noopener" target="_blank">
            watch on YouTube
          </a>
          {a.youtube.statistics &&
            ` · ${views(a.youtube.statistics.views)} views, ${views(a.youtube.statistics.likes)} likes, ${views(a.youtube.statistics.comments)} comments in all`}
        </p>
      )}
      <RevenueNote revenue={a.revenue} />
      <Figures
        items={[
          { label: `Views (${a.from} to ${a.to})`, value: views(a.totals.views), testId: 'video-views' },
          { label: 'Revenue', value: money(a.totals.revenueUsd), testId: 'video-revenue' },
          { label: 'Cost', value: money(a.costUsd) },
          { label: 'Margin', value: signed(a.marginUsd), testId: 'video-margin' },
          { label: 'Margin, whole life', value: signed(a.lifetime.marginUsd) },
        ]}
      />
      <div className="grid-2">
        <figure className="chart-box">
          <figcaption>Revenue so far against the cost (USD)</figcaption>
          <LineChart days={days} series={breakeven} format={money} />
        </figure>
        <figure className="chart-box">
          <figcaption>Views a day</figcaption>
          <LineChart days={days} series={audience} format={views} />
        </figure>
      </div>
      <details>
        <summary>The days in numbers</summary>
        <DataTable caption="Each day's figures" hideCaption compact columns={VIDEO_DAY_COLUMNS} rows={a.days} rowKey={(d) => d.day} />
      </details>
      <p className="muted small">{a.currencyNote}</p>
    </>
  )
}
