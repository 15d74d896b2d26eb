import { useQueries, useQuery } from '@tanstack/react-query'
import { Link } from '@tanstack/react-router'
import { useMemo } from 'react'
import { useGrants } from '../api/grants'
import { unwrap } from '../api/problem'
import { isPublishing } from '../api/publishing'
import { channelsQuery, isInFlight, lastMonths, monthCostQuery, pollInterval } from '../api/queries'
import { api } from '../api/session'
import { Card, Empty, LoadError, Loading, money, QueryView } from '../ui/bits'
import { BarChart } from '../ui/chart'
import { WriteOnly } from '../ui/write-access'
import { ChannelCard } from './channels'
import { QuotaCard, usePublishingContext, waitingVideos } from './publishing'
import { VideoRow } from './videos'

const MONTHS = 6
const shortMonth = new Intl.DateTimeFormat('en', { month: 'short', timeZone: 'UTC' })

export function Overview() {
  const channels = useQuery(channelsQuery)
  const videos = useQuery({
    queryKey: ['videos', 'recent'],
    queryFn: () => unwrap(api.v1.videos.get({ query: { limit: 20 } })),
    // While anything renders or uploads, its progress is polled; the video page streams it live.
    refetchInterval: (q) => pollInterval(q.state.data?.items ?? []),
  })
  const anyConnected = channels.data?.some((c) => c.youtube) ?? false
  const { quota } = usePublishingContext(anyConnected)
  const months = useMemo(() => lastMonths(MONTHS), [])
  const monthLabels = useMemo(() => months.map((m) => shortMonth.format(new Date(`${m}-15T00:00:00Z`))), [months])
  const costs = useQueries({ queries: months.map((m) => monthCostQuery(m)) })
  const thisMonth = costs[MONTHS - 1]?.data
  // In flight: rendering, or on its way to YouTube.
  const inFlight = videos.data?.items.filter((v) => isInFlight(v) || isPublishing(v)) ?? []
  const finished = videos.data?.items.filter((v) => !isInFlight(v) && !isPublishing(v)).slice(0, 5) ?? []
  const thumb = useGrants(finished.map((v) => v.links.thumbnail))
  const totals = costs.map((c) => c.data?.totalUsd ?? 0).join()
  const spend = useMemo(() => [{ label: 'Spend', color: '#2f6fde', values: totals.split(',').map(Number) }], [totals])

  return (
    <>
      <h1>Overview</h1>
      <div className="grid-2 overview-top">
        <Card id="spend-h" title="Spend this month">
          {thisMonth ? (
            <>
              <p className="figure">{money(thisMonth.totalUsd)}</p>
              <p className="muted">
                {thisMonth.videos} video{thisMonth.videos === 1 ? '' : 's'} in {thisMonth.month} (UTC)
              </p>
              {Object.keys(thisMonth.byKind).length > 0 && (
                <table className="table compact">
                  <caption className="sr-only">Spend this month by kind</caption>
                  <tbody>
                    {Object.entries(thisMonth.byKind).map(([kind, usd]) => (
                      <tr key={kind}>
                        <th scope="row">{kind.replace(/_/g, ' ')}</th>
                        <td className="num">{money(usd)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              )}
            </>
          ) : costs[MONTHS - 1]?.error ? (
            <LoadError error={costs[MONTHS - 1]!.error} />
          ) : (
            <Loading />
          )}
        </Card>
        <Card id="months-h" title="Spend by month">
          <BarChart categories={monthLabels} series={spend} format={money} />
          <table className="sr-only">
            <caption>Spend by month</caption>
            <tbody>
              {months.map((m, i) => (
                <tr key={m}>
                  <th scope="row">{m}</th>
                  <td>{money(spend[0]!.values[i]!)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Card>
      </div>

      <section aria-labelledby="flight-h">
        <h2 id="flight-h">In flight</h2>
        <QueryView
          query={videos}
          isEmpty={() => inFlight.length === 0}
          empty={
            <Empty title="Nothing is rendering or uploading right now.">
              <WriteOnly>
                <Link to="/videos/new" className="button primary">
                  Make a video
                </Link>
              </WriteOnly>
            </Empty>
          }
        >
          {() => (
            <ul className="list">
              {inFlight.map((v) => (
                <VideoRow key={v.id} video={v} />
              ))}
            </ul>
          )}
        </QueryView>
      </section>

      <section aria-labelledby="channels-h">
        <div className="section-head">
          <h2 id="channels-h">Channels</h2>
          <Link to="/channels" className="button">
            Manage channels
          </Link>
        </div>
        <QueryView
          query={channels}
          empty={
            <Empty title="No channels yet.">
              <p>A channel holds the niche, voice, look and posting rhythm its videos share.</p>
              <WriteOnly>
                <Link to="/channels" className="button primary">
                  Create your first channel
                </Link>
              </WriteOnly>
            </Empty>
          }
        >
          {(rows) => (
            <div className="cards">
              {rows.map((c) => (
                <ChannelCard
                  key={c.id}
                  channel={c}
                  inFlight={inFlight.filter((v) => v.channelId === c.id && isInFlight(v)).length}
                  waiting={waitingVideos(videos.data?.items, c.id)}
                />
              ))}
            </div>
          )}
        </QueryView>
      </section>

      {anyConnected && <QuotaCard quota={quota} />}

      {finished.length > 0 && (
        <section aria-labelledby="recent-h">
          <div className="section-head">
            <h2 id="recent-h">Recently finished</h2>
            <Link to="/videos" className="button">
              All videos
            </Link>
          </div>
          <ul className="list">
            {finished.map((v) => (
              <VideoRow key={v.id} video={v} thumbnail={thumb(v.links.thumbnail)} />
            ))}
          </ul>
        </section>
      )}
    </>
  )
}
