import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query'
import { Link, useNavigate, useSearch } from '@tanstack/react-router'
import { CAPTION_STYLES, VISUAL_SOURCES, VOICE_PROVIDERS } from '@ytempire/contract'
import { PLAIN_SCRIPT_MAX_CHARS, scriptFromText } from '@ytempire/core/plain-script'
import { useMemo, useState } from 'react'
import { problemOf, unwrap } from '../api/problem'
import { channelsQuery, uploadsQuery } from '../api/queries'
import { api } from '../api/session'
import type { Upload, VideoRequest } from '../api/types'
import { uploadMedia } from '../api/upload'
import { bytes, Card, Empty, LoadError, Loading } from '../ui/bits'
import { Field, onSubmitRun, ProblemAlert, SelectField, Submit, TextField } from '../ui/forms'
import { ReadOnlyNote, useCanWrite } from '../ui/write-access'
import { emptyPublishDraft, type PublishDraft, PublishFields, publishBody } from './publishing'
import { draftToScript, emptyScene, SceneEditor, type ScenesDraft, scriptToDraft } from './script-editor'

type Source = 'text' | 'scenes' | 'topic'
const BATCH_SEPARATOR = /^\s*---\s*$/m
const FIELDS = [
  'channel',
  'topic',
  'script',
  'title',
  'targetSeconds',
  'voice',
  'visualSource',
  'captionStyle',
  'media',
  'music',
  'publish',
]

export function NewVideo() {
  const search = useSearch({ from: '/app/videos/new' })
  const navigate = useNavigate()
  const qc = useQueryClient()
  const channels = useQuery(channelsQuery)
  const [channelId, setChannelId] = useState(search.channelId ?? '')
  const channel = channels.data?.find((c) => c.id === channelId) ?? channels.data?.[0]
  const [source, setSource] = useState<Source>('text')
  const [batch, setBatch] = useState(false)
  const [title, setTitle] = useState('')
  const [topic, setTopic] = useState('')
  const [text, setText] = useState('')
  const [draft, setDraft] = useState<ScenesDraft>({ description: '', tags: '', scenes: [emptyScene()] })
  const [targetSeconds, setTargetSeconds] = useState(60)
  const [voice, setVoice] = useState<{ provider: string; voiceId: string }>({ provider: '', voiceId: '' })
  const [visualSource, setVisualSource] = useState('')
  const [captionStyle, setCaptionStyle] = useState('')
  const [media, setMedia] = useState<string[]>([])
  const [music, setMusic] = useState('')
  const [publishing, setPublishing] = useState(false)
  const [publishDraft, setPublishDraft] = useState<PublishDraft>(emptyPublishDraft)
  // One key per form: a double click or a retried request makes one video, not two.
  const [idempotencyKey] = useState(() => crypto.randomUUID())

  const preview = useMemo(() => {
    if (source !== 'text' || batch || !text.trim()) return undefined
    try {
      return scriptFromText(text, { title })
    } catch {
      return undefined
    }
  }, [source, batch, text, title])

  const shared = (): Omit<VideoRequest, 'topic' | 'script'> => ({
    targetSeconds,
    ...(voice.provider
      ? { voice: { provider: voice.provider as 'espeak', ...(voice.voiceId.trim() ? { voiceId: voice.voiceId.trim() } : {}) } }
      : {}),
    ...(visualSource ? { visualSource: visualSource as 'generated' } : {}),
    ...(captionStyle ? { captionStyle: captionStyle as 'plain' } : {}),
    ...(media.length ? { media } : {}),
    ...(music ? { music } : {}),
    ...(publishing ? { publish: publishBody(publishDraft) } : {}),
  })
  const requests = (): VideoRequest[] => {
    const withTitle = title.trim() ? { title: title.trim() } : {}
    if (source === 'topic')
      return (batch ? topic.split('\n') : [topic])
        .map((t) => t.trim())
        .filter(Boolean)
        .map((t) => ({ topic: t, ...withTitle, ...shared() }))
    if (source === 'text')
      return (batch ? text.split(BATCH_SEPARATOR) : [text]).filter((t) => t.trim()).map((t) => ({ script: t, ...withTitle, ...shared() }))
    return [{ script: draftToScript(title, draft), ...shared() }]
  }

  const submit = useMutation({
    mutationFn: async () => {
      if (!channel) throw new Error('Choose a channel first')
      const list = requests()
      const to = api.v1.channels({ id: channel.id }).videos
      if (!batch) return { single: await unwrap(to.post(list[0] ?? { ...shared() }, { headers: { 'idempotency-key': idempotencyKey } })) }
      return { batch: await unwrap(to.batch.post({ videos: list })) }
    },
    onSuccess: (r) => {
      void qc.invalidateQueries({ queryKey: ['videos'] })
      if (r.single) navigate({ to: '/videos/$videoId', params: { videoId: r.single.id } })
      else navigate({ to: '/channels/$channelId', params: { channelId: channel!.id } })
    },
  })
  const problem = problemOf(submit.error)
  const canWrite = useCanWrite()

  if (!canWrite)
    return (
      <>
        <h1>New video</h1>
        <ReadOnlyNote />
      </>
    )
  if (channels.isPending) return <Loading />
  if (channels.error) return <LoadError error={channels.error} retry={() => channels.refetch()} />
  if (!channel)
    return (
      <>
        <h1>New video</h1>
        <Empty title="A video belongs to a channel: create one first.">
          <Link to="/channels" className="button primary">
            Create a channel
          </Link>
        </Empty>
      </>
    )

  return (
    <>
      <h1>New video</h1>
      <form className="form" onSubmit={onSubmitRun(() => submit.mutate())} noValidate>
        <ProblemAlert problem={problem} fields={FIELDS} />
        <section className="card">
          <Field label="Channel" name="channel" problem={problem}>
            {(p) => (
              <select {...p} value={channel.id} onChange={(e) => setChannelId(e.target.value)}>
                {channels.data.map((c) => (
                  <option key={c.id} value={c.id}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <fieldset className="fieldset">
            <legend>What to make it from</legend>
            <div className="segmented">
              {(
                [
                  ['text', 'Script as text'],
                  ['scenes', 'Script, scene by scene'],
                  ['topic', 'A topic (an LLM writes the script)'],
                ] as const
              ).map(([value, label]) => (
                <label key={value} className="check">
                  <input
                    type="radio"
                    name="source"
                    value={value}
                    checked={source === value}
                    onChange={() => {
                      if (value === 'scenes' && preview) setDraft(scriptToDraft(preview))
                      if (value === 'scenes') setBatch(false)
                      setSource(value)
                    }}
                  />{' '}
                  {label}
                </label>
              ))}
            </div>
          </fieldset>
          <fieldset className="fieldset" disabled={source === 'scenes'}>
            <legend>How many</legend>
            <div className="segmented">
              <label className="check">
                <input type="radio" name="count" checked={!batch} onChange={() => setBatch(false)} /> One video
              </label>
              <label className="check">
                <input type="radio" name="count" checked={batch} onChange={() => setBatch(true)} /> A batch (up to 50, all or nothing)
              </label>
            </div>
          </fieldset>
          <TextField
            label={source === 'scenes' ? 'Title' : 'Title (optional)'}
            name={source === 'scenes' ? 'script.title' : 'title'}
            problem={problem}
            maxLength={100}
            value={title}
            onValue={setTitle}
          />
          {source === 'topic' && (
            <Field
              label={batch ? 'Topics, one per line' : 'Topic'}
              name={batch ? 'videos' : 'topic'}
              problem={problem}
              hint="Needs an LLM configured on this installation (OPENAI_API_KEY or OPENAI_BASE_URL)"
            >
              {(p) =>
                batch ? (
                  <textarea {...p} rows={6} value={topic} onChange={(e) => setTopic(e.target.value)} />
                ) : (
                  <input {...p} value={topic} onChange={(e) => setTopic(e.target.value)} />
                )
              }
            </Field>
          )}
          {source === 'text' && (
            <>
              <TextField
                label={batch ? 'Scripts, separated by a line with ---' : 'Script'}
                name={batch ? 'videos' : 'script'}
                problem={problem}
                hint="Each paragraph becomes a scene (long ones are split between sentences); keywords are picked for each scene."
                rows={12}
                maxLength={PLAIN_SCRIPT_MAX_CHARS}
                value={text}
                onValue={setText}
              />
              {preview && (
                <>
                  <details className="preview">
                    <summary>
                      {preview.scenes.length} scene{preview.scenes.length === 1 ? '' : 's'}: preview the split
                    </summary>
                    <ol>
                      {preview.scenes.map((s, i) => (
                        // biome-ignore lint/suspicious/noArrayIndexKey: a preview in text order
                        <li key={i}>
                          {s.narration} <span className="muted">[{s.keywords.join(', ')}]</span>
                        </li>
                      ))}
                    </ol>
                  </details>
                  <button
                    type="button"
                    className="button small"
                    onClick={() => {
                      setDraft(scriptToDraft(preview))
                      if (!title.trim()) setTitle(preview.title)
                      setSource('scenes')
                    }}
                  >
                    Edit it scene by scene
                  </button>
                </>
              )}
            </>
          )}
          {source === 'scenes' && <SceneEditor draft={draft} onChange={setDraft} problem={problem} />}
        </section>

        <section className="card">
          <h2>Voice and look</h2>
          <p className="muted">Left empty, the channel’s settings apply.</p>
          <div className="grid-2">
            <TextField
              label="Length (seconds)"
              name="targetSeconds"
              problem={problem}
              hint="Used when the LLM writes the script"
              type="number"
              min={10}
              max={1800}
              value={targetSeconds}
              onValue={(v) => setTargetSeconds(Number(v))}
            />
            <SelectField
              label="Voice"
              name="voice.provider"
              problem={problem}
              unset={`Channel default (${channel.defaultVoice.provider ?? 'espeak'})`}
              options={VOICE_PROVIDERS}
              value={voice.provider}
              onValue={(v) => setVoice({ ...voice, provider: v })}
            />
            <TextField
              label="Voice id (optional)"
              name="voice.voiceId"
              problem={problem}
              value={voice.voiceId}
              onValue={(v) => setVoice({ ...voice, voiceId: v })}
            />
            <SelectField
              label="Visuals"
              name="visualSource"
              problem={problem}
              unset={`Channel default (${channel.visualSource})`}
              options={VISUAL_SOURCES}
              value={visualSource}
              onValue={setVisualSource}
            />
            <SelectField
              label="Captions"
              name="captionStyle"
              problem={problem}
              unset={`Channel default (${channel.captionStyle})`}
              options={CAPTION_STYLES}
              value={captionStyle}
              onValue={setCaptionStyle}
            />
          </div>
        </section>

        <Card id="publish-h" title="Publish to YouTube">
          {channel.youtube ? (
            <>
              <label className="check">
                <input type="checkbox" checked={publishing} onChange={(e) => setPublishing(e.target.checked)} /> Upload it to{' '}
                {channel.youtube.title} when it is finished
              </label>
              {publishing && (
                <PublishFields
                  draft={publishDraft}
                  onChange={setPublishDraft}
                  problem={problem}
                  prefix="publish"
                  defaultPrivacy={channel.defaultPrivacy}
                />
              )}
              {problem?.errors?.some((e) => e.field === 'publish') && (
                <p className="field-error">
                  {problem.errors
                    .filter((e) => e.field === 'publish')
                    .map((e) => e.message)
                    .join('; ')}
                </p>
              )}
            </>
          ) : (
            <p className="muted">
              {channel.name} is not connected to YouTube.{' '}
              <Link to="/channels/$channelId" params={{ channelId: channel.id }}>
                Connect it
              </Link>{' '}
              to publish its videos from here; a finished video can also be published from its page.
            </p>
          )}
        </Card>

        <MediaPicker media={media} onMedia={setMedia} music={music} onMusic={setMusic} problem={problem} />

        <Submit busy={submit.isPending}>{batch ? 'Make these videos' : 'Make the video'}</Submit>
      </form>
    </>
  )
}

/** Own media: upload with a progress bar, then pick pictures/clips (in scene order) and a music track. */
function MediaPicker(props: {
  media: string[]
  onMedia: (m: string[]) => void
  music: string
  onMusic: (m: string) => void
  problem?: ReturnType<typeof problemOf>
}) {
  const qc = useQueryClient()
  const uploads = useQuery(uploadsQuery)
  const [progress, setProgress] = useState<Record<string, number>>({})
  const upload = useMutation({
    mutationFn: async (files: File[]) => {
      for (const file of files) {
        const done = await uploadMedia(file, (f) => setProgress((p) => ({ ...p, [file.name]: f })))
        qc.setQueryData(uploadsQuery.queryKey, (old: Upload[] | undefined) => [done, ...(old ?? [])])
        setProgress(({ [file.name]: _done, ...rest }) => rest)
      }
    },
    onError: () => setProgress({}),
  })
  const visual = uploads.data?.filter((u) => !u.contentType.startsWith('audio/')) ?? []
  const audio = uploads.data?.filter((u) => u.contentType.startsWith('audio/')) ?? []
  const toggle = (key: string) => props.onMedia(props.media.includes(key) ? props.media.filter((k) => k !== key) : [...props.media, key])

  return (
    <Card id="media-h" title="Your own media (optional)">
      <Field
        label="Upload images, clips or music"
        name="upload"
        problem={problemOf(upload.error)}
        hint="JPEG, PNG, WebP, MP4, MOV, WebM, MP3, WAV, M4A, FLAC"
      >
        {(p) => (
          <input
            {...p}
            type="file"
            multiple
            accept="image/jpeg,image/png,image/webp,video/mp4,video/quicktime,video/webm,audio/*"
            onChange={(e) => {
              const files = [...(e.target.files ?? [])]
              if (files.length) upload.mutate(files)
              e.target.value = ''
            }}
          />
        )}
      </Field>
      {Object.entries(progress).map(([name, f]) => (
        <div key={name} className="upload-progress">
          <label>
            Uploading {name}
            <progress max={1} value={f} />
          </label>
          <span>{Math.round(f * 100)} %</span>
        </div>
      ))}
      <ProblemAlert problem={problemOf(upload.error)} fields={['upload']} />
      {uploads.isPending ? (
        <Loading what="Loading your uploads" />
      ) : visual.length + audio.length === 0 ? (
        <p className="muted">No uploads yet.</p>
      ) : (
        <div className="grid-2">
          <fieldset className="fieldset">
            <legend>Pictures and clips, in scene order</legend>
            {visual.length === 0 && <p className="muted">None uploaded.</p>}
            {visual.map((u) => (
              <label key={u.id} className="check">
                <input type="checkbox" checked={props.media.includes(u.key)} onChange={() => toggle(u.key)} /> {u.name}{' '}
                <span className="muted">
                  ({bytes(u.size)}){props.media.includes(u.key) ? ` · scene ${props.media.indexOf(u.key) + 1}` : ''}
                </span>
              </label>
            ))}
            {props.problem?.errors?.some((e) => e.field.startsWith('media')) && (
              <p className="field-error">
                {props.problem.errors
                  .filter((e) => e.field.startsWith('media'))
                  .map((e) => e.message)
                  .join('; ')}
              </p>
            )}
          </fieldset>
          <fieldset className="fieldset">
            <legend>Music</legend>
            <label className="check">
              <input type="radio" name="music" checked={!props.music} onChange={() => props.onMusic('')} /> None
            </label>
            {audio.map((u) => (
              <label key={u.id} className="check">
                <input type="radio" name="music" checked={props.music === u.key} onChange={() => props.onMusic(u.key)} /> {u.name}
              </label>
            ))}
          </fieldset>
        </div>
      )}
    </Card>
  )
}
