import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { channelsQuery } from '../api/queries'
import { api } from '../api/session'
import type { Channel, NewChannel } from '../api/types'
import { Card, Empty, QueryView } from '../ui/bits'
import { ReadOnlyNote, useCanWrite, WriteOnly } from '../ui/write-access'
import { ChannelForm, cadenceText } from './channel-form'
import { ChannelStates, useChannelStates } from './publishing'

export function ChannelCard({ channel: c, inFlight, waiting }: { channel: Channel; inFlight?: number; waiting?: number }) {
  const states = useChannelStates(c, waiting)
  return (
    <article className="card channel-card">
      <h3>
        <Link to="/channels/$channelId" params={{ channelId: c.id }}>
          {c.name}
        </Link>
      </h3>
      <p className="muted">{c.niche}</p>
      <ChannelStates states={states} label={`Publishing state of ${c.name}`} />
      <ul className="chips" aria-label={`Settings of ${c.name}`}>
        <li className="chip">{c.aspect}</li>
        <li className="chip">{c.language}</li>
        <li className="chip">{c.defaultPrivacy}</li>
        <li className={c.cadence.videosPerWeek ? 'chip chip-ok' : 'chip'}>{c.cadence.videosPerWeek ? 'Cadence set' : 'Manual'}</li>
        {inFlight ? <li className="chip chip-busy">{inFlight} in flight</li> : null}
      </ul>
      <p className="small">{cadenceText(c)}</p>
      <WriteOnly>
        <Link to="/videos/new" search={{ channelId: c.id }} className="button">
          New video
        </Link>
      </WriteOnly>
    </article>
  )
}

export function Channels() {
  const qc = useQueryClient()
  const navigate = useNavigate()
  const channels = useQuery(channelsQuery)
  const [creating, setCreating] = useState(false)
  const create = useMutation({
    mutationFn: (body: NewChannel) => unwrap(api.v1.channels.post(body)),
    onSuccess: (created) => {
      qc.setQueryData(channelsQuery.queryKey, (old) => [...(old ?? []), created])
      navigate({ to: '/channels/$channelId', params: { channelId: created.id } })
    },
  })
  const canWrite = useCanWrite()
  const showForm = canWrite && (creating || channels.data?.length === 0)

  return (
    <>
      <div className="section-head">
        <h1>Channels</h1>
        {canWrite && !showForm && (
          <button type="button" className="button primary" onClick={() => setCreating(true)}>
            New channel
          </button>
        )}
      </div>
      {showForm && (
        <Card id="new-channel-h" title="New channel">
          <ChannelForm
            busy={create.isPending}
            problem={problemOf(create.error)}
            submitLabel="Create channel"
            onSubmit={(b) => create.mutate(b)}
          />
        </Card>
      )}
      {!canWrite && <ReadOnlyNote />}
      <QueryView
        query={channels}
        empty={<Empty title={canWrite ? 'No channels yet: fill in the form above to create your first.' : 'No channels yet.'} />}
      >
        {(rows) => (
          <div className="cards">
            {rows.map((c) => (
              <ChannelCard key={c.id} channel={c} />
            ))}
          </div>
        )}
      </QueryView>
    </>
  )
}
