import { sql } from 'drizzle-orm'
import {
  bigint,
  bigserial,
  boolean,
  doublePrecision,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core'

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow()

export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ['admin', 'member', 'viewer'] })
      .notNull()
      .default('member'),
    plan: text('plan', { enum: ['free', 'pro', 'premium'] })
      .notNull()
      .default('free'),
    mfaEnabled: boolean('mfa_enabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
)

export const mfaSecrets = pgTable('mfa_secrets', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  secretEnc: text('secret_enc').notNull(),
  confirmedAt: timestamp('confirmed_at', { withTimezone: true }),
  // RFC 6238 5.2: a code is accepted once; we remember the last accepted time step.
  lastUsedStep: bigint('last_used_step', { mode: 'number' }).notNull().default(0),
  createdAt: createdAt(),
})

export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
)

export const tokenFamilies = pgTable(
  'token_families',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }).notNull().defaultNow(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedReason: text('revoked_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('token_families_user_idx').on(t.userId)],
)

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    familyId: uuid('family_id')
      .notNull()
      .references(() => tokenFamilies.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_idx').on(t.tokenHash), index('refresh_tokens_family_idx').on(t.familyId)],
)

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** The public part of the key (`ytk_<publicId>_<secret>`), used to find the row. */
    publicId: text('public_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_public_id_idx').on(t.publicId), index('api_keys_user_idx').on(t.userId)],
)

export const auditEvents = pgTable(
  'audit_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id').references(() => users.id, { onDelete: 'cascade' }),
    actorId: uuid('actor_id'),
    type: text('type').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: createdAt(),
  },
  (t) => [index('audit_events_user_created_idx').on(t.userId, t.createdAt)],
)

export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull().default('RS256'),
  publicJwk: jsonb('public_jwk').$type<Record<string, unknown>>().notNull(),
  privateJwkEnc: text('private_jwk_enc').notNull(),
  createdAt: createdAt(),
  /** No longer signs new tokens from this moment. */
  retiredAt: timestamp('retired_at', { withTimezone: true }),
})

export const channels = pgTable(
  'channels',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    niche: text('niche').notNull(),
    language: text('language').notNull().default('en'),
    defaultVoice: jsonb('default_voice').$type<{ provider?: 'espeak' | 'openai' | 'elevenlabs'; voiceId?: string }>().notNull().default({}),
    visualSource: text('visual_source', { enum: ['generated', 'pexels', 'pixabay', 'uploads'] })
      .notNull()
      .default('generated'),
    visualStyle: text('visual_style').notNull().default(''),
    aspect: text('aspect', { enum: ['16:9', '9:16', '1:1'] })
      .notNull()
      .default('16:9'),
    captionStyle: text('caption_style', { enum: ['highlight', 'plain', 'none'] })
      .notNull()
      .default('highlight'),
    defaultPrivacy: text('default_privacy', { enum: ['private', 'unlisted', 'public'] })
      .notNull()
      .default('private'),
    cadence: jsonb('cadence').$type<{ videosPerWeek: number; days: string[]; time: string }>().notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** YouTube category id of its uploads (22 = People & Blogs). */
    categoryId: text('category_id').notNull().default('22'),
    /** status.selfDeclaredMadeForKids: always answered, or uploads stall. */
    madeForKids: boolean('made_for_kids').notNull().default(false),
    /** status.containsSyntheticMedia: generated voice and visuals are disclosed by default. */
    containsSyntheticMedia: boolean('contains_synthetic_media').notNull().default(true),
    /** The autopilot fills the cadence's slots while on. */
    autopilot: boolean('autopilot').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('channels_user_idx').on(t.userId, t.createdAt)],
)

export type StageState = {
  status: 'pending' | 'running' | 'completed' | 'failed'
  percent: number
  durationMs?: number
  attempt?: number /** time of the last applied report, ms */
  at?: number
}

export const videos = pgTable(
  'videos',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    channelId: uuid('channel_id')
      .notNull()
      .references(() => channels.id, { onDelete: 'cascade' }),
    status: text('status', { enum: ['queued', 'running', 'completed', 'failed', 'cancelled'] })
      .notNull()
      .default('queued'),
    stage: text('stage').notNull().default('script'),
    progress: integer('progress').notNull().default(0),
    stages: jsonb('stages').$type<Record<string, StageState>>().notNull().default({}),
    error: text('error'),
    request: jsonb('request').$type<Record<string, unknown>>().notNull(),
    title: text('title'),
    description: text('description'),
    tags: text('tags').array(),
    durationS: doublePrecision('duration_s'),
    width: integer('width'),
    height: integer('height'),
    videoKey: text('video_key'),
    videoBytes: bigint('video_bytes', { mode: 'number' }),
    thumbnailKey: text('thumbnail_key'),
    encoder: text('encoder'),
    stageDurationsMs: jsonb('stage_durations_ms').$type<Record<string, number>>(),
    deadLetterJobId: text('dead_letter_job_id'),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    index('videos_user_created_idx').on(t.userId, t.createdAt),
    index('videos_channel_idx').on(t.channelId, t.createdAt),
    uniqueIndex('videos_idempotency_idx').on(t.userId, t.idempotencyKey),
  ],
)

/** Every state change the workers reported, in arrival order. */
export const videoEvents = pgTable(
  'video_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    videoId: uuid('video_id')
      .notNull()
      .references(() => videos.id, { onDelete: 'cascade' }),
    /** BullMQ job id of the event: a redelivered event is recorded once. */
    eventKey: text('event_key').notNull(),
    type: text('type').notNull(),
    stage: text('stage'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    at: timestamp('at', { withTimezone: true }).notNull(),
    recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('video_events_key_idx').on(t.eventKey), index('video_events_video_idx').on(t.videoId, t.id)],
)

export const costLedger = pgTable(
  'cost_ledger',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    videoId: uuid('video_id').references(() => videos.id, { onDelete: 'set null' }),
    eventKey: text('event_key').notNull(),
    stage: text('stage').notNull(),
    kind: text('kind').notNull(),
    item: text('item').notNull(),
    quantity: doublePrecision('quantity').notNull(),
    unit: text('unit').notNull(),
    unitPriceUsd: doublePrecision('unit_price_usd').notNull(),
    amountUsd: numeric('amount_usd', { precision: 18, scale: 10, mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('cost_ledger_event_item_idx').on(t.eventKey, t.item),
    index('cost_ledger_user_created_idx').on(t.userId, t.createdAt),
    index('cost_ledger_video_idx').on(t.videoId),
  ],
)

/** Operators' own media (images, clips, music) for their videos, stored under uploads/<userId>/. */
export const uploads = pgTable(
  'uploads',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uploads_key_idx').on(t.key), index('uploads_user_idx').on(t.userId, t.createdAt)],
)

export * from './publishing-schema'
