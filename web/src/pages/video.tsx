import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useParams } from '@tanstack/react-router'
import { PIPELINE, STAGES } from '@ytempire/contract'
import { useEffect, useMemo } from 'react'
import { useGrants } from '../api/grants'
import { problemOf, unwrap } from '../api/problem'
import { isPublishing } from '../api/publishing'
import { channelQuery, costQuery, isInFlight, videoQuery } from '../api/queries'
import { api } from '../api/session'
import type { Video, VideoCost } from '../api/types'
import { followVideo } from '../api/video-events'
import { bytes, Card, dateTime, LoadError, Loading, money, Progress, QueryView, StatusBadge, seconds } from '../ui/bits'
import { BarChart } from '../ui/chart'
import { ProblemAlert } from '../ui/forms'
import { type Column, DataTable } from '../ui/table'
import { useCanWrite } from '../ui/write-access'
import { VideoAnalyticsPanel } from './analytics'
import { PublishCard } from './publishing'

const RECONNECT_MS = 1000

/** Rendering, or on its way to YouTube: the core streams its changes until it is neither. */
const isLive = (v: Video) => isInFlight(v) || isPublishing(v)

/** Streams the video's Server-Sent Events into the query cache while it is live, reconnecting if the stream drops. */
function useLiveVideo(id: string, live: boolean) {
  const qc = useQueryClient()
  useEffect(() => {
    if (!live) return
    const abort = new AbortController()
    const key = videoQuery(id).queryKey
    void (async () => {
      while (!abort.signal.aborted) {
        try {
          await followVideo(id, (v) => qc.setQueryData(key, v), abort.signal)
        } catch {
          if (abort.signal.aborted) return
        }
        const latest = await qc.fetchQuery({ ...videoQuery(id), staleTime: 0 }).catch(() => undefined)
        if (latest && !isLive(latest)) return
        await new Promise((r) => setTimeout(r, RECONNECT_MS))
      }
    })()
    return () => abort.abort()
  }, [id, live, qc])
}

export function VideoPage() {
  const { videoId } = useParams({ from: '/app/videos/$videoId' })
  const qc = useQueryClient()
  const video = useQuery(videoQuery(videoId))
  const v = video.data
  const inFlight = v ? isInFlight(v) : false
  useLiveVideo(videoId, v ? isLive(v) : false)
  const cost = useQuery(costQuery(videoId))
  // Costs are recorded as the stages finish: read them again when the video does.
  // biome-ignore lint/correctness/useExhaustiveDependencies: refetch on each status change
  useEffect(() => {
    void qc.invalidateQueries({ queryKey: costQuery(videoId).queryKey })
  }, [v?.status, videoId, qc])
  const channel = useQuery({ ...channelQuery(v?.channelId ?? ''), enabled: Boolean(v) })
  const grant = useGrants([v?.links.file, v?.links.thumbnail])
  const canWrite = useCanWrite()
  const cancel = useMutation({
    mutationFn: () => unwrap(api.v1.videos({ id: videoId }).cancel.post()),
    onSuccess: (updated) => qc.setQueryData(videoQuery(videoId).queryKey, updated),
  })

  if (video.isPending) return <Loading what="Loading the video" />
  if (video.error || !v) return <LoadError error={video.error} retry={() => video.refetch()} />
  const fileUrl = grant(v.links.file)
  const thumbUrl = grant(v.links.thumbnail)

  return (
    <>
      <div className="section-head">
        <div>
          <h1>{v.title ?? 'Untitled video'}</h1>
          <p className="muted">
            {channel.data && (
              <>
                <Link to="/channels/$channelId" params={{ channelId: v.channelId }}>
                  {channel.data.name}
                </Link>{' '}
                ·{' '}
              </>
            )}
            asked for {dateTime(v.createdAt)}
          </p>
        </div>
        <StatusBadge status={v.status} />
      </div>

      <Card id="progress-h" title="Progress">
        <Progress value={v.progress} label="Overall progress" />
        <p className="sr-only" aria-live="polite">
          {v.status === 'running' ? `${v.stage}: ${v.progress} percent` : v.status}
        </p>
        <ol className="stages">
          {/* An optional stage (publish) is shown when this video's pipeline has it; publishing afterwards has its own card. */}
          {STAGES.filter((stage) => v.stages[stage] || !PIPELINE.spec[stage].when).map((stage) => {
            const s = v.stages[stage] ?? { status: 'pending', percent: 0 }
            return (
              <li key={stage} className={`stage stage-${s.status}`}>
                <span className="stage-name">{stage}</span>
                <StatusBadge status={s.status} />
                <Progress value={s.percent} label={`${stage} progress`} />
                <span className="stage-time">{s.durationMs != null ? seconds(s.durationMs / 1000) : ''}</span>
              </li>
            )
          })}
        </ol>
        {v.error && (
          <p className="alert alert-error" role="alert">
            {v.error}
          </p>
        )}
        {inFlight && canWrite && (
          <>
            <ProblemAlert problem={problemOf(cancel.error)} />
            <button type="button" className="button danger" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel video
            </button>
          </>
        )}
      </Card>

      {v.status === 'completed' && (
        <Card id="player-h" title="Watch">
          {fileUrl ? (
            // biome-ignore lint/a11y/useMediaCaption: the captions are burnt into the picture by the renderer
            <video className="player" controls preload="metadata" src={fileUrl} poster={thumbUrl} />
          ) : (
            <Loading what="Preparing the player" />
          )}
          <dl className="facts">
            <dt>Duration</dt>
            <dd>{seconds(v.durationS)}</dd>
            <dt>Resolution</dt>
            <dd>{v.width && v.height ? `${v.width}x${v.height}` : '—'}</dd>
            <dt>File</dt>
            <dd>
              {bytes(v.fileBytes)}
              {fileUrl && (
                <>
                  {' · '}
                  <a href={fileUrl} download={`${v.id}.mp4`}>
                    Download MP4
                  </a>
                </>
              )}
            </dd>
            <dt>Encoder</dt>
            <dd>{v.encoder ?? '—'}</dd>
            <dt>Finished</dt>
            <dd>{dateTime(v.finishedAt)}</dd>
          </dl>
          {thumbUrl && (
            <figure className="thumbnail">
              <img src={thumbUrl} alt={`Thumbnail of ${v.title ?? 'the video'}`} width={640} height={360} />
              <figcaption>Thumbnail (1280x720)</figcaption>
            </figure>
          )}
          {v.description && <p className="description">{v.description}</p>}
          {v.tags && v.tags.length > 0 && (
            <ul className="chips" aria-label="Tags">
              {v.tags.map((t) => (
                <li key={t} className="chip">
                  {t}
                </li>
              ))}
            </ul>
          )}
        </Card>
      )}

      <PublishCard video={v} channel={channel.data} />

      {v.status === 'completed' && (
        <Card id="analytics-h" title="Revenue against cost">
          <VideoAnalyticsPanel videoId={videoId} />
        </Card>
      )}

      <Card id="cost-h" title="Cost">
        <QueryView query={cost} retry={false}>
          {(data) => <CostBreakdown cost={data} video={v} />}
        </QueryView>
      </Card>
    </>
  )
}

const COST_COLUMNS: Column<VideoCost['items'][number]>[] = [
  { head: 'Stage', cell: (i) => i.stage },
  { head: 'Item', cell: (i) => i.item },
  { head: 'Quantity', num: true, cell: (i) => `${Number(i.quantity.toFixed(3))} ${i.unit}` },
  { head: 'Unit price', num: true, cell: (i) => money(i.unitPriceUsd) },
  { head: 'Amount', num: true, cell: (i) => money(i.amountUsd) },
]

function CostBreakdown({ cost, video }: { cost: VideoCost; video: Video }) {
  const stages = STAGES.filter((s) => cost.byStage[s] !== undefined)
  const series = useMemo(() => [{ label: 'USD', color: '#2f6fde', values: stages.map((s) => cost.byStage[s] ?? 0) }], [cost, stages])
  if (cost.items.length === 0)
    return <p className="muted">{isInFlight(video) ? 'Costs appear as the stages finish.' : 'Nothing was charged for this video.'}</p>
  return (
    <>
      <p className="figure" data-testid="video-cost">
        {money(cost.totalUsd)}
      </p>
      <BarChart categories={stages} series={series} format={money} />
      <DataTable
        caption="Cost line items"
        hideCaption
        columns={COST_COLUMNS}
        rows={cost.items}
        rowKey={(i) => `${i.stage}-${i.item}-${i.kind}`}
      />
    </>
  )
}
