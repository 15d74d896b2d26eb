import { STAGE_STATUSES, VIDEO_STATUSES } from '@ytempire/contract'
import { t } from 'elysia'
import { oneOf, strict, Uuid } from '../../http/schema'
import { CaptionStyle, VisualSource, Voice } from '../channels/model'
import { PublicationView, PublishInput } from '../youtube/model'
import { PLAIN_SCRIPT_MAX_CHARS } from './plain-script'

export const Scene = t.Object(
  {
    narration: t.String({ minLength: 1, maxLength: 2000 }),
    keywords: t.Array(t.String({ minLength: 1, maxLength: 60 }), { minItems: 1, maxItems: 8 }),
  },
  strict,
)

export const Script = t.Object(
  {
    title: t.String({ minLength: 1, maxLength: 100 }),
    description: t.String({ maxLength: 5000 }),
    tags: t.Array(t.String({ minLength: 1, maxLength: 100 }), { maxItems: 30 }),
    scenes: t.Array(Scene, { minItems: 1, maxItems: 60 }),
  },
  strict,
)

export const CreateVideo = t.Object(
  {
    topic: t.Optional(
      t.String({ minLength: 3, maxLength: 500, description: 'The LLM writes the script from this (needs an LLM configured)' }),
    ),
    script: t.Optional(
      t.Union([
        Script,
        t.String({
          minLength: 1,
          maxLength: PLAIN_SCRIPT_MAX_CHARS,
          description: 'Plain text: paragraphs become scenes and keywords are picked for you (plain-script.ts)',
        }),
      ]),
    ),
    targetSeconds: t.Optional(t.Integer({ minimum: 10, maximum: 1800, default: 60 })),
    voice: t.Optional(Voice),
    visualSource: t.Optional(VisualSource),
    media: t.Optional(
      t.Array(t.String({ minLength: 1, maxLength: 2048 }), {
        maxItems: 60,
        description: 'public http(s) URLs, or your storage keys under uploads/<your user id>/, used in scene order',
      }),
    ),
    captionStyle: t.Optional(CaptionStyle),
    music: t.Optional(
      t.String({ minLength: 1, maxLength: 2048, description: 'background music: public URL or your uploads/ key; ducked under the voice' }),
    ),
    title: t.Optional(t.String({ minLength: 1, maxLength: 100 })),
    publish: t.Optional(PublishInput),
  },
  { ...strict, description: 'Exactly one of topic or script; `publish` uploads it to the connected YouTube channel once rendered' },
)

export const CreateVideoBatch = t.Object({ videos: t.Array(CreateVideo, { minItems: 1, maxItems: 50 }) }, strict)

const StageState = t.Object({
  status: oneOf(STAGE_STATUSES),
  percent: t.Number(),
  durationMs: t.Optional(t.Number()),
  attempt: t.Optional(t.Number()),
})
export const VideoView = t.Object({
  id: t.String(),
  channelId: t.String(),
  status: oneOf(VIDEO_STATUSES),
  stage: t.String(),
  progress: t.Number({ description: '0..100 over the whole pipeline' }),
  stages: t.Record(t.String(), StageState),
  error: t.Nullable(t.String()),
  title: t.Nullable(t.String()),
  description: t.Nullable(t.String()),
  tags: t.Nullable(t.Array(t.String())),
  durationS: t.Nullable(t.Number()),
  width: t.Nullable(t.Number()),
  height: t.Nullable(t.Number()),
  fileBytes: t.Nullable(t.Number()),
  encoder: t.Nullable(t.String()),
  stageDurationsMs: t.Nullable(t.Record(t.String(), t.Number())),
  createdAt: t.String(),
  updatedAt: t.String(),
  startedAt: t.Nullable(t.String()),
  finishedAt: t.Nullable(t.String()),
  youtube: t.Nullable(PublicationView),
  links: t.Object({
    self: t.String(),
    events: t.String(),
    file: t.Nullable(t.String()),
    thumbnail: t.Nullable(t.String()),
    cost: t.String(),
  }),
})

export const ListVideosQuery = t.Object(
  {
    channelId: t.Optional(Uuid),
    status: t.Optional(oneOf(VIDEO_STATUSES)),
    limit: t.Optional(t.Integer({ minimum: 1, maximum: 100 })),
    cursor: t.Optional(t.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
  },
  strict,
)

export const CostLine = t.Object({
  stage: t.String(),
  kind: t.String(),
  item: t.String(),
  quantity: t.Number(),
  unit: t.String(),
  unitPriceUsd: t.Number(),
  amountUsd: t.Number(),
})
