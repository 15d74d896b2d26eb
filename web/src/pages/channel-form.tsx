import { ASPECTS, CAPTION_STYLES, PRIVACY_STATUSES, VISUAL_SOURCES, VOICE_PROVIDERS, WEEKDAYS } from '@ytempire/contract'
import { type FormEvent, useState } from 'react'
import type { Problem } from '../api/problem'
import type { Channel, NewChannel } from '../api/types'
import { Field, ProblemAlert, Submit } from '../ui/forms'

const FIELDS = [
  'name',
  'niche',
  'language',
  'defaultVoice',
  'visualSource',
  'visualStyle',
  'aspect',
  'captionStyle',
  'defaultPrivacy',
  'cadence',
  'timeZone',
  'categoryId',
  'madeForKids',
  'containsSyntheticMedia',
] as const
const ASPECT_LABEL: Record<string, string> = {
  '16:9': '16:9 landscape (1920x1080)',
  '9:16': '9:16 Shorts (1080x1920)',
  '1:1': '1:1 square',
}
const CAPTION_LABEL: Record<string, string> = {
  highlight: 'Word by word, spoken word coloured',
  plain: 'Word by word',
  none: 'No captions',
}
const VISUAL_LABEL: Record<string, string> = {
  generated: 'Generated backgrounds (offline)',
  pexels: 'Pexels stock clips',
  pixabay: 'Pixabay stock clips',
  uploads: 'Your own media',
}
const DAY_LABEL: Record<string, string> = { mon: 'Mon', tue: 'Tue', wed: 'Wed', thu: 'Thu', fri: 'Fri', sat: 'Sat', sun: 'Sun' }
const TIME_ZONES: string[] = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : ['UTC']

type Weekday = (typeof WEEKDAYS)[number]
// The core's Cadence.days is typed from a plain string array, so its element type does not narrow; the form keeps weekdays.
type Form = Required<Omit<NewChannel, 'defaultVoice' | 'cadence'>> & {
  cadence: { videosPerWeek: number; days: Weekday[]; time: string }
  voiceProvider: string
  voiceId: string
}

function initial(c?: Channel): Form {
  return {
    name: c?.name ?? '',
    niche: c?.niche ?? '',
    language: c?.language ?? 'en',
    voiceProvider: c?.defaultVoice.provider ?? 'espeak',
    voiceId: c?.defaultVoice.voiceId ?? '',
    visualSource: (c?.visualSource as Form['visualSource']) ?? 'generated',
    visualStyle: c?.visualStyle ?? '',
    aspect: (c?.aspect as Form['aspect']) ?? '16:9',
    captionStyle: (c?.captionStyle as Form['captionStyle']) ?? 'highlight',
    defaultPrivacy: (c?.defaultPrivacy as Form['defaultPrivacy']) ?? 'private',
    cadence: c ? { ...c.cadence, days: WEEKDAYS.filter((d) => c.cadence.days.includes(d)) } : { videosPerWeek: 0, days: [], time: '09:00' },
    timeZone: c?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone ?? 'UTC',
    categoryId: c?.categoryId ?? '22',
    madeForKids: c?.madeForKids ?? false,
    containsSyntheticMedia: c?.containsSyntheticMedia ?? true,
  }
}

/** Create and edit share one form; the core's field errors land next to their fields. */
export function ChannelForm(props: {
  channel?: Channel
  problem?: Problem
  busy: boolean
  submitLabel: string
  onSubmit: (channel: NewChannel) => void
}) {
  const [f, setF] = useState<Form>(() => initial(props.channel))
  const set = <K extends keyof Form>(k: K, v: Form[K]) => setF((prev) => ({ ...prev, [k]: v }))
  const { problem } = props
  const submit = (e: FormEvent) => {
    e.preventDefault()
    const { voiceProvider, voiceId, cadence, ...rest } = f
    props.onSubmit({
      ...rest,
      cadence: cadence as NewChannel['cadence'] & object,
      defaultVoice: { provider: voiceProvider as 'espeak', ...(voiceId.trim() ? { voiceId: voiceId.trim() } : {}) },
    })
  }
  const toggleDay = (day: Weekday) =>
    set('cadence', {
      ...f.cadence,
      days: f.cadence.days.includes(day)
        ? f.cadence.days.filter((d) => d !== day)
        : WEEKDAYS.filter((d) => d === day || f.cadence.days.includes(d)),
    })

  return (
    <form onSubmit={submit} className="form" noValidate>
      <ProblemAlert problem={problem} fields={FIELDS} />
      <div className="grid-2">
        <Field label="Name" name="name" problem={problem}>
          {(p) => <input {...p} required maxLength={100} value={f.name} onChange={(e) => set('name', e.target.value)} />}
        </Field>
        <Field label="Niche" name="niche" problem={problem} hint="What the channel is about, e.g. animal facts">
          {(p) => <input {...p} required maxLength={200} value={f.niche} onChange={(e) => set('niche', e.target.value)} />}
        </Field>
        <Field label="Language" name="language" problem={problem} hint="BCP 47, e.g. en, en-US, de">
          {(p) => <input {...p} required value={f.language} onChange={(e) => set('language', e.target.value)} />}
        </Field>
        <Field label="Aspect" name="aspect" problem={problem}>
          {(p) => (
            <select {...p} value={f.aspect} onChange={(e) => set('aspect', e.target.value as Form['aspect'])}>
              {ASPECTS.map((a) => (
                <option key={a} value={a}>
                  {ASPECT_LABEL[a] ?? a}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field
          label="Voice"
          name="defaultVoice.provider"
          problem={problem}
          hint="espeak works offline; OpenAI and ElevenLabs need their keys"
        >
          {(p) => (
            <select {...p} value={f.voiceProvider} onChange={(e) => set('voiceProvider', e.target.value)}>
              {VOICE_PROVIDERS.map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Voice id (optional)" name="defaultVoice.voiceId" problem={problem}>
          {(p) => <input {...p} maxLength={100} value={f.voiceId} onChange={(e) => set('voiceId', e.target.value)} />}
        </Field>
        <Field label="Visuals" name="visualSource" problem={problem}>
          {(p) => (
            <select {...p} value={f.visualSource} onChange={(e) => set('visualSource', e.target.value as Form['visualSource'])}>
              {VISUAL_SOURCES.map((v) => (
                <option key={v} value={v}>
                  {VISUAL_LABEL[v] ?? v}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Visual style (optional)" name="visualStyle" problem={problem} hint='Art direction, e.g. "dark, cinematic"'>
          {(p) => <input {...p} maxLength={500} value={f.visualStyle} onChange={(e) => set('visualStyle', e.target.value)} />}
        </Field>
        <Field label="Captions" name="captionStyle" problem={problem}>
          {(p) => (
            <select {...p} value={f.captionStyle} onChange={(e) => set('captionStyle', e.target.value as Form['captionStyle'])}>
              {CAPTION_STYLES.map((c) => (
                <option key={c} value={c}>
                  {CAPTION_LABEL[c] ?? c}
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Privacy of new uploads" name="defaultPrivacy" problem={problem}>
          {(p) => (
            <select {...p} value={f.defaultPrivacy} onChange={(e) => set('defaultPrivacy', e.target.value as Form['defaultPrivacy'])}>
              {PRIVACY_STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <fieldset className="fieldset">
        <legend>YouTube</legend>
        <div className="grid-3">
          <Field label="Category id" name="categoryId" problem={problem} hint="22 People & Blogs, 27 Education, 28 Science & Technology">
            {(p) => (
              <input {...p} inputMode="numeric" maxLength={3} value={f.categoryId} onChange={(e) => set('categoryId', e.target.value)} />
            )}
          </Field>
          <label className="check">
            <input type="checkbox" checked={f.madeForKids} onChange={(e) => set('madeForKids', e.target.checked)} /> Made for kids
          </label>
          <label className="check">
            <input type="checkbox" checked={f.containsSyntheticMedia} onChange={(e) => set('containsSyntheticMedia', e.target.checked)} />{' '}
            Discloses generated voice and visuals
          </label>
        </div>
      </fieldset>
      <fieldset className="fieldset">
        <legend>Posting cadence</legend>
        <div className="grid-3">
          <Field label="Videos per week" name="cadence.videosPerWeek" problem={problem} hint="0 = only when you ask">
            {(p) => (
              <input
                {...p}
                type="number"
                min={0}
                max={70}
                value={f.cadence.videosPerWeek}
                onChange={(e) => set('cadence', { ...f.cadence, videosPerWeek: Number(e.target.value) })}
              />
            )}
          </Field>
          <Field label="Time (local)" name="cadence.time" problem={problem}>
            {(p) => (
              <input {...p} type="time" value={f.cadence.time} onChange={(e) => set('cadence', { ...f.cadence, time: e.target.value })} />
            )}
          </Field>
          <Field label="Time zone" name="timeZone" problem={problem}>
            {(p) => (
              <select {...p} value={f.timeZone} onChange={(e) => set('timeZone', e.target.value)}>
                {(TIME_ZONES.includes(f.timeZone) ? TIME_ZONES : [f.timeZone, ...TIME_ZONES]).map((tz) => (
                  <option key={tz} value={tz}>
                    {tz}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <fieldset className="days">
          <legend className="sr-only">Days</legend>
          {WEEKDAYS.map((d) => (
            <label key={d} className="check">
              <input type="checkbox" checked={f.cadence.days.includes(d)} onChange={() => toggleDay(d)} /> {DAY_LABEL[d]}
            </label>
          ))}
        </fieldset>
      </fieldset>
      <Submit busy={props.busy}>{props.submitLabel}</Submit>
    </form>
  )
}

export function cadenceText(c: Pick<Channel, 'cadence' | 'timeZone'>): string {
  if (!c.cadence.videosPerWeek) return 'On request only'
  const days = c.cadence.days.length ? c.cadence.days.map((d) => DAY_LABEL[d] ?? d).join(', ') : 'any day'
  return `${c.cadence.videosPerWeek} a week · ${days} at ${c.cadence.time} (${c.timeZone})`
}
