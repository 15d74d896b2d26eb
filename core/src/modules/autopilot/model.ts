import { t } from 'elysia'
import { strict } from '../../http/schema'
import { Script } from '../videos/model'

export const BacklogItemInput = t.Object(
  {
    topic: t.Optional(t.String({ minLength: 3, maxLength: 500, description: 'the LLM writes the script (needs an LLM configured)' })),
    script: t.Optional(Script),
  },
  { ...strict, description: 'Exactly one of topic or script' },
)

export const BacklogInput = t.Object({ items: t.Array(BacklogItemInput, { minItems: 1, maxItems: 100 }) }, strict)

export const BacklogItem = t.Object({
  id: t.String(),
  topic: t.Nullable(t.String()),
  script: t.Nullable(t.Unknown()),
  createdAt: t.String(),
})

export const ScheduleView = t.Object({
  autopilot: t.Union([t.Literal('active'), t.Literal('paused')]),
  timeZone: t.String(),
  cadence: t.Object({ videosPerWeek: t.Number(), days: t.Array(t.String()), time: t.String() }),
  leadMinutes: t.Number({ description: 'each slot’s video is made this long before it' }),
  next: t.Array(
    t.Object({
      slotAt: t.String({ description: 'when YouTube publishes it (publishAt)' }),
      localTime: t.String({ description: 'the same instant in the channel’s time zone' }),
      prepareAt: t.String({ description: 'when the video is made' }),
      source: t.Union([t.Literal('backlog'), t.Literal('llm'), t.Literal('none')], {
        description: 'where its content would come from as things stand; none = the slot will be skipped',
      }),
    }),
  ),
  recent: t.Array(
    t.Object({
      slotAt: t.String(),
      status: t.Union([t.Literal('made'), t.Literal('skipped')]),
      videoId: t.Nullable(t.String()),
      reason: t.Nullable(t.String()),
    }),
  ),
})
