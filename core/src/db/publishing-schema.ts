// Tables for publishing to YouTube and the autopilot (re-exported by schema.ts).
import { PRIVACY_STATUSES, PUBLICATION_STATUSES } from '@ytempire/contract'
import { bigint, bigserial, boolean, date, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core'
import { at, channelRef, createdAt, extensionOf, ownerId, serialId, updatedAt, uuidId, videoRefOrNull } from './columns'
import { channels, videos } from './schema'

/** A ytempire channel's link to one YouTube channel; the refresh token never leaves the core. */
export const youtubeConnections = pgTable(
  'youtube_connections',
  {
    channelId: extensionOf('channel_id', () => channels.id),
    userId: ownerId(),
    youtubeChannelId: text('youtube_channel_id').notNull(),
    title: text('title').notNull(),
    thumbnailUrl: text('thumbnail_url'),
    /** Verified channels may set custom thumbnails (longUploadsStatus "allowed" means the same verification). */
    customThumbnails: boolean('custom_thumbnails').notNull(),
    scopes: text('scopes').array().notNull(),
    /** Sealed with the secret box, bound to `youtube-refresh:<channelId>`. */
    refreshTokenEnc: text('refresh_token_enc').notNull(),
    status: text('status', { enum: ['connected', 'reconnect_needed'] })
      .notNull()
      .default('connected'),
    statusReason: text('status_reason'),
    /** uploadLimitExceeded: this channel's uploads wait until then; other channels go on. */
    uploadsPausedUntil: at('uploads_paused_until'),
    connectedAt: at('connected_at').notNull().defaultNow(),
    updatedAt: updatedAt(),
  },
  // One YouTube channel is linked to at most one ytempire channel per installation.
  (t) => [
    uniqueIndex('youtube_connections_youtube_channel_idx').on(t.youtubeChannelId),
    index('youtube_connections_user_idx').on(t.userId),
  ],
)

/** The consent's single-use `state`, bound to a user and a channel, with its PKCE verifier (sealed). */
export const youtubeOauthStates = pgTable('youtube_oauth_states', {
  stateHash: text('state_hash').primaryKey(),
  userId: ownerId(),
  channelId: channelRef(),
  verifierEnc: text('verifier_enc').notNull(),
  scopes: text('scopes').array().notNull(),
  expiresAt: at('expires_at').notNull(),
  usedAt: at('used_at'),
  createdAt: createdAt(),
})

/** One ytempire video's way onto YouTube: at most one YouTube video, whatever fails or repeats. */
export const videoPublications = pgTable(
  'video_publications',
  {
    videoId: extensionOf('video_id', () => videos.id),
    userId: ownerId(),
    channelId: channelRef(),
    status: text('status', { enum: PUBLICATION_STATUSES }).notNull().default('queued'),
    privacy: text('privacy', { enum: PRIVACY_STATUSES }).notNull(),
    publishAt: at('publish_at'),
    requestedBy: text('requested_by', { enum: ['api', 'autopilot'] })
      .notNull()
      .default('api'),
    /** SHA-256 of the job's grant; a new request replaces it, so an old job's grant stops working. */
    grantHash: text('grant_hash').notNull(),
    /** Bumped by each publish request: the publish job's id carries it. */
    round: integer('round').notNull().default(1),
    /** The YouTube channel the upload went to, fixed at the first session. */
    youtubeChannelId: text('youtube_channel_id'),
    /** The resumable session URI, sealed (bound to the video), stored before the first byte is sent. */
    sessionUriEnc: text('session_uri_enc'),
    sessionBytes: bigint('session_bytes', { mode: 'number' }),
    /** Set before the last chunk is sent: from then on a YouTube video may exist even if no answer came back. */
    finalChunkAt: at('final_chunk_at'),
    youtubeVideoId: text('youtube_video_id'),
    uploadedAt: at('uploaded_at'),
    /** As YouTube reports it afterwards (push, the uploads poll): when the video was published there, and its deletion there. */
    youtubePublishedAt: at('youtube_published_at'),
    youtubeDeletedAt: at('youtube_deleted_at'),
    thumbnail: text('thumbnail', { enum: ['pending', 'set', 'skipped', 'failed'] })
      .notNull()
      .default('pending'),
    warnings: text('warnings').array().notNull().default([]),
    waitingUntil: at('waiting_until'),
    waitReason: text('wait_reason'),
    error: text('error'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [
    uniqueIndex('video_publications_youtube_video_idx').on(t.youtubeVideoId),
    index('video_publications_channel_idx').on(t.channelId, t.status),
  ],
)

/** YouTube quota spent per Google project, Pacific-time day and bucket. */
export const youtubeQuotaUsage = pgTable(
  'youtube_quota_usage',
  {
    project: text('project').notNull(),
    day: date('day', { mode: 'string' }).notNull(),
    bucket: text('bucket').notNull(),
    used: integer('used').notNull().default(0),
    /** YouTube answered quotaExceeded: the bucket is spent whatever our count says. */
    spentAt: at('spent_at'),
  },
  (t) => [primaryKey({ columns: [t.project, t.day, t.bucket] })],
)

/** Topics or ready scripts an operator queued for a channel's autopilot, used oldest first. */
export const channelBacklog = pgTable(
  'channel_backlog',
  {
    id: uuidId(),
    /** Queue order: items added in one request share their creation time. */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    channelId: channelRef(),
    userId: ownerId(),
    topic: text('topic'),
    script: jsonb('script').$type<{
      title: string
      description: string
      tags: string[]
      scenes: { narration: string; keywords: string[] }[]
    }>(),
    usedAt: at('used_at'),
    videoId: videoRefOrNull(),
    createdAt: createdAt(),
  },
  (t) => [index('channel_backlog_channel_idx').on(t.channelId, t.seq)],
)

/** Each autopilot slot once: the video made for it, or why it was skipped. */
export const autopilotSlots = pgTable(
  'autopilot_slots',
  {
    id: serialId(),
    channelId: channelRef(),
    slotAt: at('slot_at').notNull(),
    status: text('status', { enum: ['made', 'skipped'] }).notNull(),
    videoId: videoRefOrNull(),
    reason: text('reason'),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('autopilot_slots_channel_slot_idx').on(t.channelId, t.slotAt)],
)
