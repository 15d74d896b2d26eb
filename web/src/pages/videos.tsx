import { useInfiniteQuery, useQuery } from '@tanstack/react-query'
import { Link, useNavigate, useSearch } from '@tanstack/react-router'
import { VIDEO_STATUSES } from '@ytempire/contract'
import { useGrants } from '../api/grants'
import { unwrap } from '../api/problem'
import { publicationMessage } from '../api/publishing'
import { channelsQuery, isInFlight, pollInterval } from '../api/queries'
import { api } from '../api/session'
import type { Video } from '../api/types'
import { ago, dateTime, Empty, LoadError, Loading, Progress, StatusBadge, seconds } from '../ui/bits'
import { WriteOnly } from '../ui/write-access'
import { PublicationBadge } from './publishing'

export function VideoRow({ video: v, thumbnail }: { video: Video; thumbnail?: string }) {
  const title = v.title ?? 'Untitled video'
  return (
    <li className="video-row">
      {thumbnail ? (
        <img src={thumbnail} alt="" className="thumb" width={128} height={72} loading="lazy" />
      ) : (
        <div className="thumb thumb-empty" />
      )}
      <div className="video-row-main">
        <Link to="/videos/$videoId" params={{ videoId: v.id }} className="video-title">
          {title}
        </Link>
        <div className="video-meta">
          <StatusBadge status={v.status} />
          {v.youtube && <PublicationBadge publication={v.youtube} />}
          <span>{isInFlight(v) ? `stage: ${v.stage}` : v.durationS ? seconds(v.durationS) : ''}</span>
          <span className="muted">{ago(v.createdAt)}</span>
        </div>
        {isInFlight(v) && <Progress value={v.progress} label={`Progress of ${title}`} />}
        {v.status === 'failed' && v.error && <p className="field-error">{v.error}</p>}
        {v.youtube?.status === 'waiting' && v.youtube.waitingUntil && (
          <p className="small warn-text">{publicationMessage(v.youtube, dateTime)}</p>
        )}
      </div>
    </li>
  )
}

type Status = (typeof VIDEO_STATUSES)[number]

/** Pages of videos (newest first) for one channel or all, polled while any is in flight. */
export function VideoList({ channelId, status }: { channelId?: string; status?: Status }) {
  const list = useInfiniteQuery({
    queryKey: ['videos', 'list', { channelId, status }],
    queryFn: ({ pageParam }) =>
      unwrap(
        api.v1.videos.get({
          query: {
            limit: 20,
            ...(channelId ? { channelId } : {}),
            ...(status ? { status } : {}),
            ...(pageParam ? { cursor: pageParam } : {}),
          },
        }),
      ),
    initialPageParam: '' as string,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: (q) => pollInterval(q.state.data?.pages.flatMap((p) => p.items) ?? []),
  })
  const items = list.data?.pages.flatMap((p) => p.items) ?? []
  const thumb = useGrants(items.map((v) => v.links.thumbnail))
  if (list.isPending) return <Loading what="Loading videos" />
  if (list.error) return <LoadError error={list.error} retry={() => list.refetch()} />
  if (items.length === 0)
    return (
      <Empty title={status ? `No ${status} videos.` : 'No videos yet.'}>
        <WriteOnly>
          <Link to="/videos/new" search={channelId ? { channelId } : {}} className="button primary">
            Make a video
          </Link>
        </WriteOnly>
      </Empty>
    )
  return (
    <>
      <ul className="list">
        {items.map((v) => (
          <VideoRow key={v.id} video={v} thumbnail={thumb(v.links.thumbnail)} />
        ))}
      </ul>
      {list.hasNextPage && (
        <button type="button" className="button" onClick={() => list.fetchNextPage()} disabled={list.isFetchingNextPage}>
          {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </>
  )
}

export function Videos() {
  const search = useSearch({ from: '/app/videos/' })
  const navigate = useNavigate({ from: '/videos/' })
  const channels = useQuery(channelsQuery)
  return (
    <>
      <div className="section-head">
        <h1>Videos</h1>
        <WriteOnly>
          <Link to="/videos/new" className="button primary">
            New video
          </Link>
        </WriteOnly>
      </div>
      <div className="filters">
        <label>
          Channel{' '}
          <select
            value={search.channelId ?? ''}
            onChange={(e) => navigate({ search: { ...search, channelId: e.target.value || undefined } })}
          >
            <option value="">All channels</option>
            {channels.data?.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          Status{' '}
          <select
            value={search.status ?? ''}
            onChange={(e) => navigate({ search: { ...search, status: (e.target.value || undefined) as Status | undefined } })}
          >
            <option value="">Any</option>
            {VIDEO_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </div>
      <VideoList channelId={search.channelId} status={search.status} />
    </>
  )
}
