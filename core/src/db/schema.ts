import {
  ASPECTS,
  CAPTION_STYLES,
  CHANNEL_PAUSE_REASONS,
  PLANS,
  PRIVACY_STATUSES,
  ROLES,
  type StageStatus,
  VIDEO_STATUSES,
  VISUAL_SOURCES,
  type VideoJob,
  type VoiceProvider,
  type Weekday,
} from '@ytempire/contract'
import { sql } from 'drizzle-orm'
import { bigint, boolean, doublePrecision, index, integer, jsonb, numeric, pgTable, text, uniqueIndex, uuid } from 'drizzle-orm/pg-core'
import {
  at,
  cascadeRef,
  channelRef,
  createdAt,
  extensionOf,
  ownerId,
  serialId,
  updatedAt,
  uuidId,
  videoRef,
  videoRefOrNull,
} from './columns'

export const users = pgTable(
  'users',
  {
    id: uuidId(),
    email: text('email').notNull(),
    passwordHash: text('password_hash').notNull(),
    role: text('role', { enum: ROLES }).notNull().default('member'),
    plan: text('plan', { enum: PLANS }).notNull().default('free'),
    mfaEnabled: boolean('mfa_enabled').notNull().default(false),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [uniqueIndex('users_email_lower_idx').on(sql`lower(${t.email})`)],
)

export const mfaSecrets = pgTable('mfa_secrets', {
  userId: extensionOf('user_id', () => users.id),
  secretEnc: text('secret_enc').notNull(),
  confirmedAt: at('confirmed_at'),
  // RFC 6238 5.2: a code is accepted once; we remember the last accepted time step.
  lastUsedStep: bigint('last_used_step', { mode: 'number' }).notNull().default(0),
  createdAt: createdAt(),
})

export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuidId(),
    userId: ownerId(),
    codeHash: text('code_hash').notNull(),
    usedAt: at('used_at'),
    createdAt: createdAt(),
  },
  (t) => [index('recovery_codes_user_idx').on(t.userId)],
)

export const tokenFamilies = pgTable(
  'token_families',
  {
    id: uuidId(),
    userId: ownerId(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at').notNull().defaultNow(),
    expiresAt: at('expires_at').notNull(),
    revokedAt: at('revoked_at'),
    revokedReason: text('revoked_reason'),
    ip: text('ip'),
    userAgent: text('user_agent'),
  },
  (t) => [index('token_families_user_idx').on(t.userId)],
)

export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuidId(),
    familyId: cascadeRef('family_id', () => tokenFamilies.id),
    tokenHash: text('token_hash').notNull(),
    createdAt: createdAt(),
    expiresAt: at('expires_at').notNull(),
    usedAt: at('used_at'),
  },
  (t) => [uniqueIndex('refresh_tokens_hash_idx').on(t.tokenHash), index('refresh_tokens_family_idx').on(t.familyId)],
)

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuidId(),
    userId: ownerId(),
    name: text('name').notNull(),
    /** The public part of the key (`ytk_<publicId>_<secret>`), used to find the row. */
    publicId: text('public_id').notNull(),
    secretHash: text('secret_hash').notNull(),
    scopes: text('scopes').array().notNull(),
    createdAt: createdAt(),
    lastUsedAt: at('last_used_at'),
    expiresAt: at('expires_at'),
    revokedAt: at('revoked_at'),
  },
  (t) => [uniqueIndex('api_keys_public_id_idx').on(t.publicId), index('api_keys_user_idx').on(t.userId)],
)

export const auditEvents = pgTable(
  'audit_events',
  {
    id: serialId(),
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
  retiredAt: at('retired_at'),
})

export const channels = pgTable(
  'channels',
  {
    id: uuidId(),
    userId: ownerId(),
    name: text('name').notNull(),
    niche: text('niche').notNull(),
    language: text('language').notNull().default('en'),
    defaultVoice: jsonb('default_voice').$type<{ provider?: VoiceProvider; voiceId?: string }>().notNull().default({}),
    visualSource: text('visual_source', { enum: VISUAL_SOURCES }).notNull().default('generated'),
    visualStyle: text('visual_style').notNull().default(''),
    aspect: text('aspect', { enum: ASPECTS }).notNull().default('16:9'),
    captionStyle: text('caption_style', { enum: CAPTION_STYLES }).notNull().default('highlight'),
    defaultPrivacy: text('default_privacy', { enum: PRIVACY_STATUSES }).notNull().default('private'),
    cadence: jsonb('cadence').$type<{ videosPerWeek: number; days: Weekday[]; time: string }>().notNull(),
    timeZone: text('time_zone').notNull().default('UTC'),
    /** YouTube category id of its uploads (22 = People & Blogs). */
    categoryId: text('category_id').notNull().default('22'),
    /** status.selfDeclaredMadeForKids: always answered, or uploads stall. */
    madeForKids: boolean('made_for_kids').notNull().default(false),
    /** status.containsSyntheticMedia: generated voice and visuals are disclosed by default. */
    containsSyntheticMedia: boolean('contains_synthetic_media').notNull().default(true),
    /** The autopilot fills the cadence's slots while on. */
    autopilot: boolean('autopilot').notNull().default(false),
    /** A paused channel keeps everything but takes no new videos. */
    paused: boolean('paused').notNull().default(false),
    /** `plan_limit`: over the plan's channel count after a downgrade; resumed on upgrade. */
    pausedReason: text('paused_reason', { enum: CHANNEL_PAUSE_REASONS }),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('channels_user_idx').on(t.userId, t.createdAt)],
)

export type StageState = {
  status: StageStatus
  percent: number
  durationMs?: number
  attempt?: number
  /** time of the last applied report, ms */
  at?: number
}

export const videos = pgTable(
  'videos',
  {
    id: uuidId(),
    userId: ownerId(),
    channelId: channelRef(),
    status: text('status', { enum: VIDEO_STATUSES }).notNull().default('queued'),
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
    /** The VideoJob as asked for (without its run): what a dispatch, a re-dispatch or a dead letter carries. */
    job: jsonb('job').$type<VideoJob>(),
    idempotencyKey: text('idempotency_key'),
    requestHash: text('request_hash'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
    startedAt: at('started_at'),
    finishedAt: at('finished_at'),
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
    id: serialId(),
    videoId: videoRef(),
    /** The report's identity (`VideoEvent.id`; the queue job's key for reports of older workers): recorded once. */
    eventKey: text('event_key').notNull(),
    type: text('type').notNull(),
    stage: text('stage'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    at: at('at').notNull(),
    recordedAt: at('recorded_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('video_events_key_idx').on(t.eventKey), index('video_events_video_idx').on(t.videoId, t.id)],
)

export const costLedger = pgTable(
  'cost_ledger',
  {
    id: serialId(),
    userId: ownerId(),
    videoId: videoRefOrNull(),
    eventKey: text('event_key').notNull(),
    /**
     * What makes the line one charge: `<videoId>|<kind>|<ref>` for a line about one thing of the video
     * (a stored file: a re-run replacing it replaces the line), else `<eventKey>|<position in the report>`.
     * Null on lines recorded before line keys existed.
     */
    lineKey: text('line_key'),
    stage: text('stage').notNull(),
    kind: text('kind').notNull(),
    item: text('item').notNull(),
    /** The storage key a storage line is for. */
    ref: text('ref'),
    quantity: doublePrecision('quantity').notNull(),
    unit: text('unit').notNull(),
    unitPriceUsd: doublePrecision('unit_price_usd').notNull(),
    amountUsd: numeric('amount_usd', { precision: 18, scale: 10, mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [
    uniqueIndex('cost_ledger_line_key_idx').on(t.lineKey),
    index('cost_ledger_user_created_idx').on(t.userId, t.createdAt),
    index('cost_ledger_video_idx').on(t.videoId),
  ],
)

/**
 * Worker reports about a video this installation does not know (another installation's, on a shared
 * queue namespace; or one erased while its job still ran). Kept for administrators, never dropped.
 * Titles and descriptions are not kept: they may be an erased user's words.
 */
export const unknownVideoReports = pgTable(
  'unknown_video_reports',
  {
    id: serialId(),
    eventKey: text('event_key').notNull(),
    videoId: text('video_id').notNull(),
    type: text('type').notNull(),
    stage: text('stage'),
    data: jsonb('data').$type<Record<string, unknown>>().notNull(),
    at: at('at').notNull(),
    recordedAt: at('recorded_at').notNull().defaultNow(),
  },
  (t) => [uniqueIndex('unknown_video_reports_key_idx').on(t.eventKey), index('unknown_video_reports_recorded_idx').on(t.recordedAt)],
)

/** This installation: one row, made at the first start. Its id names the queue namespace (QUEUE_PREFIX unset). */
export const installation = pgTable('installation', {
  id: uuid('id').primaryKey(),
  createdAt: createdAt(),
})

/**
 * What the outbox does after a commit: queue a video's job; meter a finished video and tell its owner's
 * webhooks; tell the owner's webhooks of another change (a video published, a channel waiting or cut off);
 * make a changed plan felt (caches, webhooks); schedule the next look at a plan that may lapse.
 */
export const OUTBOX_TOPICS = ['video.dispatch', 'video.finished', 'webhook.emit', 'billing.plan_changed', 'billing.lapse'] as const
export type OutboxTopic = (typeof OUTBOX_TOPICS)[number]

/** Work written in the transaction of the change it follows, done after the commit (core/src/infra/outbox.ts). */
export const outbox = pgTable(
  'outbox',
  {
    id: serialId(),
    topic: text('topic', { enum: OUTBOX_TOPICS }).notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    attempts: integer('attempts').notNull().default(0),
    lastError: text('last_error'),
    /** Not tried again before this (the backoff after a failure). */
    availableAt: at('available_at').notNull().defaultNow(),
    /** An instance is doing the work until then (a process that dies holding it leaves the row to others after). */
    leasedUntil: at('leased_until'),
    createdAt: createdAt(),
  },
  (t) => [index('outbox_available_idx').on(t.availableAt)],
)

/** Operators' own media (images, clips, music) for their videos, stored under uploads/<userId>/. */
export const uploads = pgTable(
  'uploads',
  {
    id: uuidId(),
    userId: ownerId(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    contentType: text('content_type').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (t) => [uniqueIndex('uploads_key_idx').on(t.key), index('uploads_user_idx').on(t.userId, t.createdAt)],
)

/** A user's Stripe customer (created once) and the subscription their plan follows. */
export const billingAccounts = pgTable('billing_accounts', {
  userId: extensionOf('user_id', () => users.id),
  stripeCustomerId: text('stripe_customer_id').notNull().unique(),
  subscriptionId: text('subscription_id'),
  /** Stripe's status as last read from Stripe: active, trialing, past_due, unpaid, canceled, ... */
  subscriptionStatus: text('subscription_status'),
  /** The plan the subscription's price pays for (the plan held may differ: grace, period end). */
  subscribedPlan: text('subscribed_plan', { enum: PLANS }),
  currentPeriodStart: at('current_period_start'),
  currentPeriodEnd: at('current_period_end'),
  cancelAtPeriodEnd: boolean('cancel_at_period_end').notNull().default(false),
  /** When the subscription was first seen past_due; the grace period runs from here. */
  pastDueSince: at('past_due_since'),
  createdAt: createdAt(),
  updatedAt: updatedAt(),
})

/** Every Stripe event applied, recorded in the transaction of its effect: a redelivery finds its id and changes nothing. */
export const stripeEvents = pgTable('stripe_events', {
  id: text('id').primaryKey(),
  type: text('type').notNull(),
  /** null: the event named no customer of ours (or the account was erased). */
  userId: uuid('user_id').references(() => users.id, { onDelete: 'set null' }),
  outcome: text('outcome').notNull(),
  receivedAt: at('received_at').notNull().defaultNow(),
})

/** Completed videos reported to Stripe's meter (one row per video, written once Stripe accepted it). */
export const meterReports = pgTable('meter_reports', {
  videoId: uuid('video_id').primaryKey(),
  userId: ownerId(),
  stripeCustomerId: text('stripe_customer_id').notNull(),
  reportedAt: at('reported_at').notNull().defaultNow(),
})

/** Operators' own receivers of outgoing webhooks (Standard Webhooks). */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: uuidId(),
    userId: ownerId(),
    url: text('url').notNull(),
    description: text('description').notNull().default(''),
    events: text('events').array().notNull(),
    /** The whsec_ secret, sealed with the secret box (context `webhook:<id>`). */
    secretEnc: text('secret_enc').notNull(),
    /**
     * The secret a rotation replaced, sealed (context `webhook-previous:<id>`): deliveries are signed
     * with it too until `previousSecretExpiresAt`, then it is dropped.
     */
    previousSecretEnc: text('previous_secret_enc'),
    previousSecretExpiresAt: at('previous_secret_expires_at'),
    enabled: boolean('enabled').notNull().default(true),
    disabledAt: at('disabled_at'),
    disabledReason: text('disabled_reason'),
    /** Start of the current run of failed attempts; cleared by a success. */
    failingSince: at('failing_since'),
    createdAt: createdAt(),
    updatedAt: updatedAt(),
  },
  (t) => [index('webhook_endpoints_user_idx').on(t.userId, t.createdAt)],
)

/** One event for one endpoint; its id is the `webhook-id` every attempt carries. */
export const webhookMessages = pgTable(
  'webhook_messages',
  {
    id: text('id').primaryKey(),
    endpointId: cascadeRef('endpoint_id', () => webhookEndpoints.id),
    type: text('type').notNull(),
    /** The exact JSON body sent: `{type, timestamp, data}`. */
    body: text('body').notNull(),
    status: text('status', { enum: ['pending', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    createdAt: createdAt(),
    deliveredAt: at('delivered_at'),
  },
  (t) => [index('webhook_messages_endpoint_idx').on(t.endpointId, t.createdAt)],
)

/** Every delivery attempt, as the receiver answered it. */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuidId(),
    messageId: text('message_id')
      .notNull()
      .references(() => webhookMessages.id, { onDelete: 'cascade' }),
    endpointId: cascadeRef('endpoint_id', () => webhookEndpoints.id),
    attempt: integer('attempt').notNull(),
    /** `retry`: scheduled by the backoff; `resend`: asked for by the owner. */
    trigger: text('trigger', { enum: ['first', 'retry', 'resend'] }).notNull(),
    succeeded: boolean('succeeded').notNull(),
    statusCode: integer('status_code'),
    /** Why no answer came (refused address, timeout, connection error). */
    error: text('error'),
    latencyMs: integer('latency_ms').notNull(),
    responseExcerpt: text('response_excerpt'),
    createdAt: createdAt(),
  },
  (t) => [index('webhook_deliveries_endpoint_idx').on(t.endpointId, t.createdAt), index('webhook_deliveries_message_idx').on(t.messageId)],
)

export * from './analytics-schema'
export * from './publishing-schema'
