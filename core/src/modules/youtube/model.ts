import { PRIVACY_STATUSES, PUBLICATION_STATUSES, YOUTUBE_METHODS } from '@ytempire/contract'
import { t } from 'elysia'
import { strict } from '../../http/schema'

export const Privacy = t.UnionEnum(PRIVACY_STATUSES, {
  description: 'YouTube privacy; scheduled videos (publishAt) must be private and turn public at that time',
})

export const PublishInput = t.Object(
  {
    privacy: t.Optional(Privacy),
    publishAt: t.Optional(t.String({ format: 'date-time', description: 'ISO-8601, in the future; only with privacy "private"' })),
  },
  { ...strict, description: 'Publish to the channel’s connected YouTube channel; privacy defaults to the channel’s defaultPrivacy' },
)

export const PublicationView = t.Object({
  status: t.UnionEnum(PUBLICATION_STATUSES),
  privacy: t.String(),
  publishAt: t.Nullable(t.String()),
  youtubeVideoId: t.Nullable(t.String()),
  url: t.Nullable(t.String()),
  thumbnail: t.String({ description: 'pending, set, skipped (the channel may not use custom thumbnails), failed' }),
  warnings: t.Array(t.String()),
  waitingUntil: t.Nullable(t.String()),
  message: t.Nullable(t.String({ description: 'e.g. "waiting for quota until 2026-03-09T07:00:00.000Z"' })),
  requestedBy: t.String(),
  uploadedAt: t.Nullable(t.String()),
  youtubePublishedAt: t.Nullable(t.String({ description: 'when YouTube says it published the video (push or the uploads poll)' })),
  deletedOnYouTubeAt: t.Nullable(t.String({ description: 'when the video was deleted on YouTube; null while it is there' })),
})

export const ConnectInput = t.Object(
  { monetaryAnalytics: t.Optional(t.Boolean({ description: 'also ask for revenue analytics (Partner Program channels)' })) },
  strict,
)

export const ConnectionView = t.Object({
  youtubeChannelId: t.String(),
  title: t.String(),
  url: t.String(),
  thumbnailUrl: t.Nullable(t.String()),
  status: t.Union([t.Literal('connected'), t.Literal('reconnect_needed')]),
  message: t.Nullable(t.String()),
  customThumbnails: t.Boolean(),
  monetaryAnalytics: t.Boolean(),
  scopes: t.Array(t.String()),
  uploadsPausedUntil: t.Nullable(t.String()),
  connectedAt: t.String(),
})

export const QuotaView = t.Object({
  project: t.String(),
  day: t.String({ description: 'the Pacific-time day being counted' }),
  resetAt: t.String({ description: 'next midnight Pacific time' }),
  buckets: t.Array(t.Object({ bucket: t.String(), limit: t.Number(), used: t.Number(), remaining: t.Number(), spent: t.Boolean() })),
})

// Worker-facing bodies (the publish jobs' side of the contract).
export const MethodInput = t.Object({ method: t.UnionEnum(YOUTUBE_METHODS) }, strict)
export const LimitInput = t.Object(
  { method: t.UnionEnum(YOUTUBE_METHODS), reason: t.Union([t.Literal('quotaExceeded'), t.Literal('uploadLimitExceeded')]) },
  strict,
)
export const SessionInput = t.Object({ uri: t.String({ minLength: 8, maxLength: 4096 }), size: t.Integer({ minimum: 1 }) }, strict)
export const UploadedInput = t.Object(
  {
    id: t.String({ minLength: 1, maxLength: 64 }),
    privacyStatus: t.Optional(t.String()),
    publishAt: t.Optional(t.Nullable(t.String())),
  },
  strict,
)
export const ThumbnailInput = t.Object(
  { outcome: t.Union([t.Literal('set'), t.Literal('skipped'), t.Literal('failed')]), warning: t.Optional(t.String({ maxLength: 1000 })) },
  strict,
)
export const TokenInput = t.Object({ refused: t.Optional(t.Boolean({ description: 'YouTube refused the last token (401)' })) }, strict)
