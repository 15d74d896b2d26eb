// Every closed list of values the platform uses, once. TypeBox schemas (core), drizzle column enums
// and the job types derive from these tuples; adding a value here adds it everywhere.

export const PLANS = ['free', 'pro', 'premium'] as const
export type Plan = (typeof PLANS)[number]

export const ROLES = ['admin', 'member', 'viewer'] as const
export type Role = (typeof ROLES)[number]

export const ASPECTS = ['16:9', '9:16', '1:1'] as const
export type Aspect = (typeof ASPECTS)[number]
/** Output size of each aspect at scale 1. */
export const ASPECT_SIZE: Record<Aspect, { width: number; height: number }> = {
  '16:9': { width: 1920, height: 1080 },
  '9:16': { width: 1080, height: 1920 },
  '1:1': { width: 1080, height: 1080 },
}

export const VOICE_PROVIDERS = ['espeak', 'openai', 'elevenlabs'] as const
export type VoiceProvider = (typeof VOICE_PROVIDERS)[number]

export const VISUAL_SOURCES = ['generated', 'pexels', 'pixabay', 'uploads'] as const
export type VisualSource = (typeof VISUAL_SOURCES)[number]

/** `highlight`: a few words at a time, the spoken word coloured; `plain`: same without colour; `none`. */
export const CAPTION_STYLES = ['highlight', 'plain', 'none'] as const
export type CaptionStyle = (typeof CAPTION_STYLES)[number]

export const PRIVACY_STATUSES = ['private', 'unlisted', 'public'] as const
export type PrivacyStatus = (typeof PRIVACY_STATUSES)[number]

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const
export type Weekday = (typeof WEEKDAYS)[number]

export const VIDEO_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const
export type VideoStatus = (typeof VIDEO_STATUSES)[number]
/** A video in one of these states never changes state again. */
export const TERMINAL_VIDEO_STATUSES = ['completed', 'failed', 'cancelled'] as const satisfies readonly VideoStatus[]

/** What an operator's own systems can subscribe to (outgoing webhooks); `ping` is sent on request. */
export const WEBHOOK_EVENT_TYPES = [
  'video.completed',
  'video.failed',
  'video.published',
  'channel.reconnect_needed',
  'channel.quota_waiting',
  'billing.plan_changed',
  'ping',
] as const
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number]
/** Where one stage of a video stands (`pending` again while a failed attempt waits for its retry). */
export const STAGE_STATUSES = ['pending', 'running', 'completed', 'failed'] as const
export type StageStatus = (typeof STAGE_STATUSES)[number]

/** Why a channel takes no new videos (a downgrade pauses the newest channels over the plan's limit). */
export const CHANNEL_PAUSE_REASONS = ['plan_limit'] as const
export type ChannelPauseReason = (typeof CHANNEL_PAUSE_REASONS)[number]
