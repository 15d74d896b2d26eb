import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router'
import { problemOf, unwrap } from '../api/problem'
import { channelQuery, channelsQuery } from '../api/queries'
import { api } from '../api/session'
import type { Channel, ChannelChanges } from '../api/types'
import { Card, LoadError, Loading } from '../ui/bits'
import { ProblemAlert } from '../ui/forms'
import { ReadOnlyNote, WriteOnly } from '../ui/write-access'
import { ChannelAnalyticsPanel } from './analytics'
import { ChannelForm, cadenceText } from './channel-form'
import { AutopilotCard, BacklogCard, ChannelStates, useChannelStates, useDismissConnectOutcome, YouTubeCard } from './publishing'
import { VideoList } from './videos'

export function ChannelPage() {
  const { channelId } = useParams({ from: '/app/channels/$channelId' })
  const { youtube: outcome } = useSearch({ from: '/app/channels/$channelId' })
  const dismissOutcome = useDismissConnectOutcome(channelId)
  const qc = useQueryClient()
  const navigate = useNavigate()
  const channel = useQuery(channelQuery(channelId))
  const key = channelQuery(channelId).queryKey

  const save = useMutation({
    mutationFn: (changes: ChannelChanges) => unwrap(api.v1.channels({ id: channelId }).patch(changes)),
    // Optimistic: the page shows the new settings at once and rolls back if the core refuses them.
    onMutate: async (changes) => {
      await qc.cancelQueries({ queryKey: key })
      const before = qc.getQueryData(key)
      if (before)
        qc.setQueryData(key, { ...before, ...changes, defaultVoice: { ...before.defaultVoice, ...changes?.defaultVoice } } as Channel)
      return { before }
    },
    onError: (_e, _v, ctx) => ctx?.before && qc.setQueryData(key, ctx.before),
    onSuccess: (saved) => qc.setQueryData(key, saved),
    onSettled: () => qc.invalidateQueries({ queryKey: channelsQuery.queryKey, exact: true }),
  })
  const remove = useMutation({
    mutationFn: () => unwrap(api.v1.channels({ id: channelId }).delete()),
    onSuccess: () => {
      qc.removeQueries({ queryKey: key })
      void qc.invalidateQueries({ queryKey: channelsQuery.queryKey })
      navigate({ to: '/channels' })
    },
  })

  if (channel.isPending) return <Loading />
  if (channel.error) return <LoadError error={channel.error} retry={() => channel.refetch()} />
  const c = channel.data
  return (
    <>
      <div className="section-head">
        <div>
          <h1>{c.name}</h1>
          <p className="muted">
            {c.niche} · {cadenceText(c)}
          </p>
          <HeadStates channel={c} />
        </div>
        <WriteOnly>
          <Link to="/videos/new" search={{ channelId }} className="button primary">
            New video
          </Link>
        </WriteOnly>
      </div>

      <YouTubeCard channel={c} outcome={outcome} onDismiss={dismissOutcome} />
      <AutopilotCard channel={c} />
      <BacklogCard channelId={channelId} />
      <ChannelAnalyticsPanel channelId={channelId} />

      <section aria-labelledby="videos-h">
        <h2 id="videos-h">Videos</h2>
        <VideoList channelId={channelId} />
      </section>

      <WriteOnly fallback={<ReadOnlyNote />}>
        <Card id="settings-h" title="Settings">
          {save.isSuccess && (
            <p className="alert alert-ok" role="status">
              Saved.
            </p>
          )}
          <ChannelForm
            key={c.updatedAt}
            channel={c}
            busy={save.isPending}
            problem={problemOf(save.error)}
            submitLabel="Save settings"
            onSubmit={(body) => save.mutate(body)}
          />
        </Card>

        <section className="card danger-zone" aria-labelledby="delete-h">
          <h2 id="delete-h">Delete this channel</h2>
          <p>Deletes the channel and its videos. Refused while a video is still rendering.</p>
          <ProblemAlert problem={problemOf(remove.error)} />
          <button
            type="button"
            className="button danger"
            disabled={remove.isPending}
            onClick={() => window.confirm(`Delete ${c.name} and all its videos?`) && remove.mutate()}
          >
            Delete channel
          </button>
        </section>
      </WriteOnly>
    </>
  )
}

function HeadStates({ channel }: { channel: Channel }) {
  return <ChannelStates states={useChannelStates(channel)} />
}
