import { ASPECTS, CAPTION_STYLES, PRIVACY_STATUSES, VISUAL_SOURCES, VOICE_PROVIDERS, WEEKDAYS } from '@ytempire/contract'
import { t } from 'elysia'
import { oneOf, strict } from '../../http/schema'
import { ConnectionView } from '../youtube/model'

export const Aspect = oneOf(ASPECTS, {
  description: '16:9 = 1920x1080, 9:16 Shorts = 1080x1920, 1:1 = 1080x1080',
})
export const CaptionStyle = oneOf(CAPTION_STYLES, {
  description: 'highlight: word-level captions, the spoken word coloured',
})
export const VisualSource = oneOf(VISUAL_SOURCES)
export const Privacy = oneOf(PRIVACY_STATUSES)
export const Voice = t.Object(
  {
    provider: t.Optional(oneOf(VOICE_PROVIDERS)),
    voiceId: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
  },
  strict,
)
const Day = oneOf(WEEKDAYS)
export const Cadence = t.Object(
  {
    videosPerWeek: t.Integer({ minimum: 0, maximum: 70 }),
    days: t.Array(Day, { maxItems: 7, uniqueItems: true }),
    time: t.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local posting time, HH:MM' }),
  },
  strict,
)

const fields = {
  name: t.String({ minLength: 1, maxLength: 100 }),
  niche: t.String({ minLength: 1, maxLength: 200 }),
  language: t.String({ pattern: '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$', description: 'BCP 47, e.g. en, en-US, de' }),
  defaultVoice: Voice,
  visualSource: VisualSource,
  visualStyle: t.String({ maxLength: 500, description: 'free-form art direction, e.g. "dark, cinematic"' }),
  aspect: Aspect,
  captionStyle: CaptionStyle,
  defaultPrivacy: Privacy,
  cadence: Cadence,
  timeZone: t.String({ minLength: 1, maxLength: 64, description: 'IANA time zone, e.g. Europe/Berlin' }),
  categoryId: t.String({
    pattern: '^[0-9]{1,3}$',
    description: 'YouTube category id of uploads, e.g. 22 People & Blogs, 27 Education, 28 Science & Technology',
  }),
  madeForKids: t.Boolean({ description: 'answered on every upload (selfDeclaredMadeForKids); default false' }),
  containsSyntheticMedia: t.Boolean({ description: 'discloses generated voice and visuals on every upload; default true' }),
}

export const CreateChannel = t.Object(
  {
    name: fields.name,
    niche: fields.niche,
    language: t.Optional(fields.language),
    defaultVoice: t.Optional(fields.defaultVoice),
    visualSource: t.Optional(fields.visualSource),
    visualStyle: t.Optional(fields.visualStyle),
    aspect: t.Optional(fields.aspect),
    captionStyle: t.Optional(fields.captionStyle),
    defaultPrivacy: t.Optional(fields.defaultPrivacy),
    cadence: t.Optional(fields.cadence),
    timeZone: t.Optional(fields.timeZone),
    categoryId: t.Optional(fields.categoryId),
    madeForKids: t.Optional(fields.madeForKids),
    containsSyntheticMedia: t.Optional(fields.containsSyntheticMedia),
  },
  strict,
)

export const UpdateChannel = t.Partial(t.Object(fields, strict), strict)

export const ChannelView = t.Object({
  id: t.String(),
  name: t.String(),
  niche: t.String(),
  language: t.String(),
  defaultVoice: t.Object({ provider: t.Optional(t.String()), voiceId: t.Optional(t.String()) }),
  visualSource: t.String(),
  visualStyle: t.String(),
  aspect: t.String(),
  captionStyle: t.String(),
  defaultPrivacy: t.String(),
  cadence: t.Object({ videosPerWeek: t.Number(), days: t.Array(t.String()), time: t.String() }),
  timeZone: t.String(),
  categoryId: t.String(),
  madeForKids: t.Boolean(),
  containsSyntheticMedia: t.Boolean(),
  autopilot: t.Boolean({ description: 'the autopilot fills the cadence (POST /v1/channels/:id/autopilot/resume|pause)' }),
  youtube: t.Nullable(ConnectionView),
  paused: t.Boolean({ description: 'a paused channel takes no new videos' }),
  pausedReason: t.Nullable(t.String({ description: 'plan_limit: over the plan’s channel count; resumes on upgrade' })),
  createdAt: t.String(),
  updatedAt: t.String(),
})
