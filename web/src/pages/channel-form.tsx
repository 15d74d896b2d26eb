import { ASPECTS, CAPTION_STYLES, PRIVACY_STATUSES, VISUAL_SOURCES, VOICE_PROVIDERS, WEEKDAYS } from '@ytempire/contract'
import { useState } from 'react'
import type { Problem } from '../api/problem'
import type { Channel, NewChannel } from '../api/types'
import { binder, Checkboxes, onSubmitRun, ProblemAlert, SelectField, Submit, TextField } from '../ui/forms'

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
  const bind = binder(f, set, problem)
  const submit = onSubmitRun(() => {
    const { voiceProvider, voiceId, cadence, ...rest } = f
    props.onSubmit({
      ...rest,
      cadence: cadence as NewChannel['cadence'] & object,
      defaultVoice: { provider: voiceProvider as 'espeak', ...(voiceId.trim() ? { voiceId: voiceId.trim() } : {}) },
    })
  })

  return (
    <form onSubmit={submit} className="form" noValidate>
      <ProblemAlert problem={problem} fields={FIELDS} />
      <div className="grid-2">
        <TextField label="Name" required maxLength={100} {...bind('name')} />
        <TextField label="Niche" hint="What the channel is about, e.g. animal facts" required maxLength={200} {...bind('niche')} />
        <TextField label="Language" hint="BCP 47, e.g. en, en-US, de" required {...bind('language')} />
        <SelectField label="Aspect" options={ASPECTS} labels={ASPECT_LABEL} {...bind('aspect')} />
        <SelectField
          label="Voice"
          hint="espeak works offline; OpenAI and ElevenLabs need their keys"
          options={VOICE_PROVIDERS}
          {...bind('voiceProvider', 'defaultVoice.provider')}
        />
        <TextField label="Voice id (optional)" maxLength={100} {...bind('voiceId', 'defaultVoice.voiceId')} />
        <SelectField label="Visuals" options={VISUAL_SOURCES} labels={VISUAL_LABEL} {...bind('visualSource')} />
        <TextField label="Visual style (optional)" hint='Art direction, e.g. "dark, cinematic"' maxLength={500} {...bind('visualStyle')} />
        <SelectField label="Captions" options={CAPTION_STYLES} labels={CAPTION_LABEL} {...bind('captionStyle')} />
        <SelectField label="Privacy of new uploads" options={PRIVACY_STATUSES} {...bind('defaultPrivacy')} />
      </div>
      <fieldset className="fieldset">
        <legend>YouTube</legend>
        <div className="grid-3">
          <TextField
            label="Category id"
            hint="22 People & Blogs, 27 Education, 28 Science & Technology"
            inputMode="numeric"
            maxLength={3}
            {...bind('categoryId')}
          />
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
          <TextField
            label="Videos per week"
            name="cadence.videosPerWeek"
            problem={problem}
            hint="0 = only when you ask"
            type="number"
            min={0}
            max={70}
            value={f.cadence.videosPerWeek}
            onValue={(v) => set('cadence', { ...f.cadence, videosPerWeek: Number(v) })}
          />
          <TextField
            label="Time (local)"
            name="cadence.time"
            problem={problem}
            type="time"
            value={f.cadence.time}
            onValue={(v) => set('cadence', { ...f.cadence, time: v })}
          />
          <SelectField
            label="Time zone"
            options={TIME_ZONES.includes(f.timeZone) ? TIME_ZONES : [f.timeZone, ...TIME_ZONES]}
            {...bind('timeZone')}
          />
        </div>
        <fieldset className="days">
          <legend className="sr-only">Days</legend>
          <Checkboxes
            values={WEEKDAYS}
            checked={f.cadence.days}
            // Days stay in the week's order, whichever was ticked first.
            onChange={(days) => set('cadence', { ...f.cadence, days: WEEKDAYS.filter((d) => days.includes(d)) })}
            label={(d) => DAY_LABEL[d]}
          />
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
