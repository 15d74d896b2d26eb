// Publishing to YouTube in the pages: a channel's states, its connection, autopilot, schedule and
// backlog; a video's publication and its "Publish" form; the installation's quota.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate } from '@tanstack/react-router'
import { PRIVACY_STATUSES } from '@ytempire/contract'
import { scriptFromText } from '@ytempire/core/plain-script'
import { useState } from 'react'
import { type Problem, ProblemError, problemOf, unwrap } from '../api/problem'
import {
  type BacklogInput,
  backlogQuery,
  billingQuery,
  type ChannelState,
  CONNECT_FAILURE_TEXT,
  type Connection,
  type ConnectOutcome,
  channelStates,
  type Publication,
  publicationLabel,
  publicationMessage,
  publicationTone,
  publishRequest,
  type Quota,
  quotaQuery,
  scheduleQuery,
  sentence,
} from '../api/publishing'
import { channelQuery, channelsQuery, videoQuery } from '../api/queries'
import { api } from '../api/session'
import type { Channel, Video } from '../api/types'
import { ago, Card, dateTime, Empty, LoadError, Loading, QueryView, Usage } from '../ui/bits'
import { onSubmitRun, ProblemAlert, SelectField, Submit, TextField } from '../ui/forms'
import { DataTable } from '../ui/table'
import { useCanWrite, WriteOnly } from '../ui/write-access'
import { cadenceText } from './channel-form'

const BROWSER_TIME_ZONE = Intl.DateTimeFormat().resolvedOptions().timeZone

/** The plan's autopilot entitlement and today's quota, for the channel states (both cached queries). */
export function usePublishingContext(enabled = true) {
  const quota = useQuery({ ...quotaQuery, enabled })
  const billing = useQuery({ ...billingQuery, enabled })
  return { quota: quota.data, autopilotAllowed: billing.data?.entitlements.autopilot }
}

export function ChannelStates({ states, label = 'Publishing state' }: { states: ChannelState[]; label?: string }) {
  return (
    <ul className="chips" aria-label={label}>
      {states.map((s) => (
        <li key={s.key} className={`chip chip-${s.tone}`}>
          {s.label}
        </li>
      ))}
    </ul>
  )
}

/** A channel's states from the cached context (quota, plan) and how many of its videos wait to upload. */
export function useChannelStates(c: Channel, waitingVideos = 0) {
  const ctx = usePublishingContext()
  return channelStates(c, { ...ctx, waitingVideos, format: dateTime })
}

export function PublicationBadge({ publication: p }: { publication: Pick<Publication, 'status'> }) {
  return <span className={`badge badge-tone-${publicationTone(p)}`}>{publicationLabel(p)}</span>
}

/** The YouTube channel's picture, or its initial when there is none (or it cannot load). */
function Avatar({ connection: yt }: { connection: Connection }) {
  const [failed, setFailed] = useState(false)
  if (!yt.thumbnailUrl || failed)
    return (
      <span className="avatar avatar-empty" aria-hidden="true">
        {yt.title.trim().charAt(0).toUpperCase() || '?'}
      </span>
    )
  return <img className="avatar" src={yt.thumbnailUrl} alt="" width={56} height={56} onError={() => setFailed(true)} />
}

// ---- channel page ----

export function YouTubeCard({ channel: c, outcome, onDismiss }: { channel: Channel; outcome?: ConnectOutcome; onDismiss: () => void }) {
  const qc = useQueryClient()
  const [monetary, setMonetary] = useState(false)
  const yt = c.youtube
  // Google's consent page is a page of its own: the browser goes there and the core sends it back here.
  const connect = useMutation({
    mutationFn: (withRevenue: boolean) => unwrap(api.v1.channels({ id: c.id }).youtube.connect.post({ monetaryAnalytics: withRevenue })),
    onSuccess: (r) => window.location.assign(r.authorizationUrl),
  })
  const disconnect = useMutation({
    mutationFn: () => unwrap(api.v1.channels({ id: c.id }).youtube.delete()),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: channelQuery(c.id).queryKey })
      void qc.invalidateQueries({ queryKey: channelsQuery.queryKey, exact: true })
    },
  })
  const busy = connect.isPending || connect.isSuccess

  return (
    <Card id="youtube-h" title="YouTube">
      {outcome && (
        <div
          className={outcome === 'connected' ? 'alert alert-ok' : 'alert alert-error'}
          role={outcome === 'connected' ? 'status' : 'alert'}
        >
          <p>
            {outcome === 'connected'
              ? `Connected to YouTube${yt ? ` as ${yt.title}` : ''}.`
              : `Connecting to YouTube did not finish: ${CONNECT_FAILURE_TEXT[outcome]}`}
          </p>
          <button type="button" className="link-button" onClick={onDismiss}>
            Dismiss
          </button>
        </div>
      )}
      {disconnect.isSuccess && (
        <p className="alert alert-ok" role="status">
          Disconnected{disconnect.data.revoked ? ': the grant was revoked at Google.' : '; Google no longer knew the grant.'}
        </p>
      )}
      {yt ? (
        <>
          <div className="identity">
            <Avatar connection={yt} />
            <div>
              <p className="identity-title">
                <a href={yt.url} target="_blank" rel="noopener noreferrer">
                  {yt.title}
                </a>
              </p>
              <p className="small muted">
                Connected {dateTime(yt.connectedAt)} · <code>{yt.youtubeChannelId}</code>
              </p>
            </div>
          </div>
          {yt.message && (
            <p className={yt.status === 'reconnect_needed' ? 'alert alert-error' : 'alert alert-warn'} role="alert">
              {yt.status === 'reconnect_needed'
                ? 'Google no longer accepts this channel’s grant (revoked, or expired while the Google app is in testing). Publishing is paused until you reconnect.'
                : yt.message.replace(yt.uploadsPausedUntil ?? '\0', dateTime(yt.uploadsPausedUntil))}
            </p>
          )}
          <dl className="facts">
            <dt>Custom thumbnails</dt>
            <dd>{yt.customThumbnails ? 'Allowed' : 'Not allowed (verify the channel on YouTube); uploads keep YouTube’s own frame'}</dd>
            <dt>Revenue analytics</dt>
            <dd>{yt.monetaryAnalytics ? 'Granted' : 'Not asked for'}</dd>
            <dt>Made for kids</dt>
            <dd>{c.madeForKids ? 'Yes' : 'No'}</dd>
            <dt>Synthetic media</dt>
            <dd>{c.containsSyntheticMedia ? 'Disclosed on every upload' : 'Not disclosed'}</dd>
            <dt>New uploads</dt>
            <dd>
              {c.defaultPrivacy}, category {c.categoryId} · <a href="#settings-h">change in the settings</a>
            </dd>
          </dl>
        </>
      ) : (
        <>
          <p>
            Not connected. Connect the YouTube channel its videos go to: you choose the Google account on Google’s page and come back here.
            ytempire keeps the grant sealed on the server and uploads each video once.
          </p>
          <WriteOnly>
            <label className="check">
              <input type="checkbox" checked={monetary} onChange={(e) => setMonetary(e.target.checked)} /> Also read revenue (YouTube
              Partner Program channels)
            </label>
          </WriteOnly>
        </>
      )}
      <ProblemAlert problem={problemOf(connect.error ?? disconnect.error)} />
      <WriteOnly>
        <div className="actions">
          {(!yt || yt.status === 'reconnect_needed') && (
            <button type="button" className="button primary" disabled={busy} aria-busy={busy} onClick={() => connect.mutate(monetary)}>
              {busy ? 'Opening Google…' : yt ? 'Reconnect YouTube' : 'Connect YouTube'}
            </button>
          )}
          {yt?.status === 'connected' && !yt.monetaryAnalytics && (
            // Analytics counts revenue only with this scope: Google's page asks for it on top of the grant.
            <button type="button" className="button" disabled={busy} aria-busy={busy} onClick={() => connect.mutate(true)}>
              Also read revenue
            </button>
          )}
          {yt && (
            <button
              type="button"
              className="button danger"
              disabled={disconnect.isPending}
              onClick={() =>
                window.confirm(
                  `Disconnect ${yt.title}? The grant is revoked at Google; videos on their way pause until you connect again.`,
                ) && disconnect.mutate()
              }
            >
              Disconnect YouTube
            </button>
          )}
        </div>
      </WriteOnly>
    </Card>
  )
}

const SOURCE_TEXT = { backlog: 'from the backlog', llm: 'a fresh topic (LLM)', none: 'nothing: will be skipped' } as const

export function AutopilotCard({ channel: c }: { channel: Channel }) {
  const qc = useQueryClient()
  const schedule = useQuery(scheduleQuery(c.id))
  const { autopilotAllowed } = usePublishingContext()
  const toggle = useMutation({
    mutationFn: (on: boolean) => unwrap(api.v1.channels({ id: c.id }).autopilot[on ? 'resume' : 'pause'].post()),
    onSuccess: (s) => qc.setQueryData(scheduleQuery(c.id).queryKey, s),
    onSettled: () => {
      void qc.invalidateQueries({ queryKey: channelQuery(c.id).queryKey, exact: true })
      void qc.invalidateQueries({ queryKey: channelsQuery.queryKey, exact: true })
    },
  })
  const lead = schedule.data?.leadMinutes
  const on = c.autopilot
  // What the core would refuse, said before asking it.
  const blocked = [
    ...(autopilotAllowed === false ? ['Your plan does not include the autopilot.'] : []),
    ...(c.youtube?.status !== 'connected' ? ['The autopilot uploads to YouTube: connect the channel first.'] : []),
    ...(!c.cadence.videosPerWeek ? ['Set a cadence (days and time) in the settings below to get slots.'] : []),
  ]
  const inZone = new Intl.DateTimeFormat(undefined, {
    timeZone: c.timeZone,
    weekday: 'short',
    day: 'numeric',
    month: 'short',
    hour: '2-digit',
    minute: '2-digit',
  })
  const madeAt = new Intl.DateTimeFormat(undefined, { timeZone: c.timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit' })

  return (
    <section className="card" aria-labelledby="autopilot-h">
      <div className="section-head">
        <h2 id="autopilot-h">Autopilot and schedule</h2>
        <span className={`badge badge-tone-${on ? (autopilotAllowed === false ? 'warn' : 'ok') : 'muted'}`}>
          {on ? (autopilotAllowed === false ? 'Paused by plan' : 'On') : 'Paused'}
        </span>
      </div>
      <p>
        {cadenceText(c)}.{' '}
        {lead !== undefined &&
          `Each slot’s video is made ${Math.round(lead / 60)} h ahead and uploaded private, set to go public at the slot.`}
      </p>
      {autopilotAllowed === false && (
        <p className="alert alert-warn">
          Your plan does not include the autopilot{on ? ': its slots are skipped' : ''}. <Link to="/billing">See the plans</Link>
        </p>
      )}
      {!on && blocked.length > 0 && (
        <ul className="notes" aria-label="Before the autopilot can start">
          {blocked.map((b) => (
            <li key={b}>{b}</li>
          ))}
        </ul>
      )}
      <ProblemAlert problem={problemOf(toggle.error)} />
      <WriteOnly>
        <button
          type="button"
          className={on ? 'button' : 'button primary'}
          disabled={toggle.isPending || (!on && blocked.length > 0)}
          aria-busy={toggle.isPending}
          onClick={() => toggle.mutate(!on)}
        >
          {on ? 'Pause autopilot' : 'Turn autopilot on'}
        </button>
      </WriteOnly>

      <QueryView query={schedule} loading="Loading the schedule">
        {(s) => (
          <div className="grid-2 schedule">
            <div>
              <h3>{on ? 'Next slots' : 'Next slots (when on)'}</h3>
              {s.next.length === 0 ? (
                <p className="muted">No slots: the cadence posts nothing.</p>
              ) : (
                <DataTable
                  caption={`Next slots in ${s.timeZone}`}
                  hideCaption
                  compact
                  columns={[
                    {
                      head: `Goes public (${s.timeZone})`,
                      cell: (n) => (
                        <>
                          {inZone.format(new Date(n.slotAt))}
                          <div className="small muted">made {madeAt.format(new Date(n.prepareAt))}</div>
                        </>
                      ),
                    },
                    {
                      head: 'Content',
                      cell: (n) => SOURCE_TEXT[n.source],
                      attrs: (n) => ({ className: n.source === 'none' ? 'warn-text' : undefined }),
                    },
                  ]}
                  rows={s.next.slice(0, 6)}
                  rowKey={(n) => n.slotAt}
                />
              )}
            </div>
            <div>
              <h3>Recent slots</h3>
              {s.recent.length === 0 ? (
                <p className="muted">No slot has come yet.</p>
              ) : (
                <ul className="list slots">
                  {s.recent.map((r) => (
                    <li key={r.slotAt}>
                      <span className={`badge badge-tone-${r.status === 'made' ? 'ok' : 'warn'}`}>
                        {r.status === 'made' ? 'Made' : 'Skipped'}
                      </span>{' '}
                      {dateTime(r.slotAt)}
                      {r.videoId && (
                        <>
                          {' · '}
                          <Link to="/videos/$videoId" params={{ videoId: r.videoId }}>
                            the video
                          </Link>
                        </>
                      )}
                      {r.reason && <div className="small muted">{r.reason}</div>}
                    </li>
                  ))}
                </ul>
              )}
            </div>
          </div>
        )}
      </QueryView>
    </section>
  )
}

export function BacklogCard({ channelId }: { channelId: string }) {
  const qc = useQueryClient()
  const backlog = useQuery(backlogQuery(channelId))
  const [kind, setKind] = useState<'script' | 'topic'>('script')
  const [topic, setTopic] = useState('')
  const [text, setText] = useState('')
  const [title, setTitle] = useState('')
  const refresh = () => {
    void qc.invalidateQueries({ queryKey: backlogQuery(channelId).queryKey })
    void qc.invalidateQueries({ queryKey: scheduleQuery(channelId).queryKey })
  }
  const add = useMutation({
    mutationFn: async () => {
      let item: BacklogInput
      if (kind === 'topic') item = { topic: topic.trim() }
      else {
        try {
          item = { script: scriptFromText(text, { title }) }
        } catch (err) {
          // Said the way the core says a refused field: next to it.
          const message = (err as Error).message
          throw new ProblemError({ type: 'client', title: 'Check the script', status: 0, errors: [{ field: 'items.0.script', message }] })
        }
      }
      return unwrap(api.v1.channels({ id: channelId }).backlog.post({ items: [item] }))
    },
    onSuccess: () => {
      setTopic('')
      setText('')
      setTitle('')
      refresh()
    },
  })
  const remove = useMutation({
    mutationFn: (itemId: string) => unwrap(api.v1.channels({ id: channelId }).backlog({ itemId }).delete()),
    onSettled: refresh,
  })
  const problem = problemOf(add.error)
  const submit = onSubmitRun(() => add.mutate())

  return (
    <Card id="backlog-h" title="Backlog">
      <p className="muted">What the autopilot makes next, oldest first, one per slot. Topics need an LLM on this installation.</p>
      <QueryView
        query={backlog}
        loading="Loading the backlog"
        isEmpty={(b) => b.items.length === 0}
        empty={
          <Empty title="The backlog is empty.">
            <p className="small">Slots with nothing to make are skipped, unless an LLM writes a fresh topic.</p>
          </Empty>
        }
      >
        {(b) => (
          <ol className="list backlog">
            {b.items.map((item, i) => {
              const script = item.script as { title?: string; scenes?: unknown[] } | null
              const name = item.topic ?? script?.title ?? 'Script'
              return (
                <li key={item.id} className="row">
                  <div>
                    <span className="backlog-title">
                      <span className="muted">{i + 1}.</span> {name}
                    </span>
                    <div className="small muted">
                      {item.topic ? 'topic' : `script, ${script?.scenes?.length ?? 0} scenes`} · added {ago(item.createdAt)}
                    </div>
                  </div>
                  <WriteOnly>
                    <button
                      type="button"
                      className="button small"
                      aria-label={`Remove ${name}`}
                      disabled={remove.isPending}
                      onClick={() => remove.mutate(item.id)}
                    >
                      Remove
                    </button>
                  </WriteOnly>
                </li>
              )
            })}
          </ol>
        )}
      </QueryView>
      <ProblemAlert problem={problemOf(remove.error)} />

      <WriteOnly>
        <form className="form" onSubmit={submit} noValidate aria-labelledby="backlog-add-h">
          <h3 id="backlog-add-h">Add to the backlog</h3>
          <ProblemAlert problem={problem} fields={['items.0.topic', 'items.0.script', 'items.0']} />
          <fieldset className="fieldset">
            <legend>Kind</legend>
            <div className="segmented">
              <label className="check">
                <input type="radio" name="backlog-kind" checked={kind === 'script'} onChange={() => setKind('script')} /> A script as text
              </label>
              <label className="check">
                <input type="radio" name="backlog-kind" checked={kind === 'topic'} onChange={() => setKind('topic')} /> A topic (an LLM
                writes it)
              </label>
            </div>
          </fieldset>
          {kind === 'topic' ? (
            <TextField label="Topic" name="items.0.topic" problem={problem} maxLength={500} value={topic} onValue={setTopic} />
          ) : (
            <>
              <TextField
                label="Title (optional)"
                name="items.0.script.title"
                problem={problem}
                maxLength={100}
                value={title}
                onValue={setTitle}
              />
              <TextField
                label="Script"
                name="items.0.script"
                problem={problem}
                hint="Each paragraph becomes a scene."
                rows={5}
                value={text}
                onValue={setText}
              />
            </>
          )}
          <Submit busy={add.isPending}>Add to backlog</Submit>
        </form>
      </WriteOnly>
    </Card>
  )
}

// ---- publish settings (video page, new video) ----

export interface PublishDraft {
  privacy: string
  publishAt: string
}
export const emptyPublishDraft: PublishDraft = { privacy: '', publishAt: '' }
export const publishBody = (d: PublishDraft) => publishRequest(d.privacy, d.publishAt)

/** Privacy and publishAt; `prefix` is where the core names them ("publish" inside a new video, "" on its own). */
export function PublishFields(props: {
  draft: PublishDraft
  onChange: (d: PublishDraft) => void
  problem?: Problem
  prefix: '' | 'publish'
  defaultPrivacy: string
}) {
  const name = (f: string) => (props.prefix ? `${props.prefix}.${f}` : f)
  const { draft: d, onChange } = props
  return (
    <div className="grid-2">
      <SelectField
        label="Privacy on YouTube"
        name={name('privacy')}
        problem={props.problem}
        unset={`Channel default (${props.defaultPrivacy})`}
        options={PRIVACY_STATUSES}
        value={d.privacy}
        onValue={(privacy) => onChange({ ...d, privacy })}
      />
      <TextField
        label="Publish at (optional)"
        name={name('publishAt')}
        problem={props.problem}
        hint={`Your time (${BROWSER_TIME_ZONE}). YouTube schedules private videos only: they turn public at this time.`}
        type="datetime-local"
        value={d.publishAt}
        onValue={(publishAt) => onChange({ ...d, publishAt })}
      />
    </div>
  )
}

// ---- video page ----

export function PublishCard({ video: v, channel }: { video: Video; channel?: Channel }) {
  const qc = useQueryClient()
  const [draft, setDraft] = useState<PublishDraft>(emptyPublishDraft)
  const publish = useMutation({
    mutationFn: () => unwrap(api.v1.videos({ id: v.id }).publish.post(publishBody(draft))),
    onSuccess: (updated) => qc.setQueryData(videoQuery(v.id).queryKey, updated),
  })
  const p = v.youtube
  const canWrite = useCanWrite()
  const canPublish = v.status === 'completed' && (!p || (p.status === 'failed' && !p.youtubeVideoId))
  if (!p && v.status !== 'completed') return null
  const problem = problemOf(publish.error)
  const message = p && publicationMessage(p, dateTime)

  return (
    <Card id="publish-h" title="YouTube">
      {p && (
        <>
          <div className="row publication-head">
            <PublicationBadge publication={p} />
            {p.url && (
              <a className="button" href={p.url} target="_blank" rel="noopener noreferrer" data-testid="youtube-link">
                Watch on YouTube
              </a>
            )}
          </div>
          {message && (
            <p className={p.status === 'failed' || p.status === 'paused' ? 'alert alert-error' : 'alert alert-warn'} role="status">
              {message}
              {p.status === 'paused' && (
                <>
                  {' '}
                  <Link to="/channels/$channelId" params={{ channelId: v.channelId }}>
                    Reconnect on the channel’s page
                  </Link>
                  ; the upload goes on by itself afterwards.
                </>
              )}
            </p>
          )}
          <dl className="facts">
            <dt>Privacy</dt>
            <dd>{p.privacy}</dd>
            <dt>Goes public</dt>
            <dd>{p.publishAt ? `${dateTime(p.publishAt)} (scheduled)` : p.privacy === 'public' ? 'At upload' : 'Not scheduled'}</dd>
            {p.youtubeVideoId && (
              <>
                <dt>YouTube id</dt>
                <dd>
                  <code>{p.youtubeVideoId}</code>
                </dd>
              </>
            )}
            <dt>Uploaded</dt>
            <dd>{dateTime(p.uploadedAt)}</dd>
            <dt>Thumbnail</dt>
            <dd>{THUMBNAIL_TEXT[p.thumbnail] ?? p.thumbnail}</dd>
            <dt>Asked for by</dt>
            <dd>{p.requestedBy === 'autopilot' ? 'the autopilot' : 'you'}</dd>
          </dl>
          {p.warnings.length > 0 && (
            <ul className="alert alert-warn warnings" aria-label="Warnings">
              {p.warnings.map((w) => (
                <li key={w}>{sentence(w)}</li>
              ))}
            </ul>
          )}
        </>
      )}
      {canPublish &&
        canWrite &&
        (channel && !channel.youtube ? (
          <p>
            This channel is not connected to YouTube.{' '}
            <Link to="/channels/$channelId" params={{ channelId: v.channelId }}>
              Connect it on the channel’s page
            </Link>{' '}
            to publish.
          </p>
        ) : (
          <form className="form" noValidate aria-label="Publish to YouTube" onSubmit={onSubmitRun(() => publish.mutate())}>
            {!p && <p className="muted">Uploads the video to {channel?.youtube?.title ?? 'the channel’s YouTube channel'} once.</p>}
            <ProblemAlert problem={problem} fields={['privacy', 'publishAt']} />
            <PublishFields
              draft={draft}
              onChange={setDraft}
              problem={problem}
              prefix=""
              defaultPrivacy={channel?.defaultPrivacy ?? 'private'}
            />
            <Submit busy={publish.isPending}>{p ? 'Publish again' : 'Publish'}</Submit>
          </form>
        ))}
    </Card>
  )
}

const THUMBNAIL_TEXT: Record<string, string> = {
  pending: 'Not set yet',
  set: 'Set (ours)',
  skipped: 'YouTube’s own frame (custom thumbnails not allowed)',
  failed: 'Could not be set',
}

// ---- quota ----

const count = (n: number) => n.toLocaleString('en')
const BUCKET_LABEL: Record<string, string> = { upload: 'Uploads (videos.insert)', default: 'Other calls (units)' }

export function QuotaCard({ quota: q }: { quota?: Quota }) {
  const query = useQuery({ ...quotaQuery, enabled: !q })
  const data = q ?? query.data
  return (
    <Card id="quota-h" title="YouTube quota today">
      {!data ? (
        query.error ? (
          <LoadError error={query.error} retry={() => query.refetch()} />
        ) : (
          <Loading />
        )
      ) : (
        <>
          {data.buckets.map((b) => (
            <div key={b.bucket}>
              <Usage label={BUCKET_LABEL[b.bucket] ?? b.bucket} used={b.used} limit={b.limit} format={count} />
              {b.spent && <p className="small warn-text">Spent: publishing waits for the reset.</p>}
            </div>
          ))}
          <p className="small muted">
            Google project {data.project || '—'}, Pacific day {data.day}; resets {dateTime(data.resetAt)} ({ago(data.resetAt)}).
          </p>
        </>
      )}
    </Card>
  )
}

/** Clears the answer of Google's round trip from the channel page's address once it has been read. */
export function useDismissConnectOutcome(channelId: string) {
  const navigate = useNavigate()
  return () => navigate({ to: '/channels/$channelId', params: { channelId }, search: {}, replace: true, resetScroll: false })
}

export const waitingVideos = (videos: Video[] | undefined, channelId: string) =>
  videos?.filter((v) => v.channelId === channelId && v.youtube?.status === 'waiting').length ?? 0
