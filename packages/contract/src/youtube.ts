// What the core and the publish workers agree on about YouTube: scopes, metadata limits, the
// publish settings a job carries, and the quota methods. No Google credential is ever part of a job.
import type { PrivacyStatus } from './values'

/** OAuth scopes asked for at connect; `monetary` only when the channel opts in (Partner Program revenue). */
export const YOUTUBE_SCOPES = {
  upload: 'https://www.googleapis.com/auth/youtube.upload',
  read: 'https://www.googleapis.com/auth/youtube.readonly',
  analytics: 'https://www.googleapis.com/auth/yt-analytics.readonly',
  monetary: 'https://www.googleapis.com/auth/yt-analytics-monetary.readonly',
} as const

/** YouTube's own limits on a video's metadata (videos.insert refuses anything longer). */
/** A title as a viewer compares two: case, punctuation and spacing ignored (the autopilot never repeats one). */
export const titleKey = (title: string): string => title.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '')

export const YOUTUBE_LIMITS = {
  titleChars: 100,
  descriptionBytes: 5000,
  /** all tags together; a tag with a space counts its two quotes too */
  tagsChars: 500,
} as const

/** The API methods the platform calls, each metered against a quota bucket (costs are configuration). */
export const YOUTUBE_METHODS = [
  'videos.insert',
  'thumbnails.set',
  'videos.list',
  'channels.list',
  'playlistItems.list',
  'reports.query',
] as const
export type YouTubeMethod = (typeof YOUTUBE_METHODS)[number]

/** Where a publication stands; `published` means the video exists on YouTube (private until `publishAt` if scheduled). */
export const PUBLICATION_STATUSES = ['queued', 'waiting', 'paused', 'uploading', 'uploaded', 'published', 'failed'] as const
export type PublicationStatus = (typeof PUBLICATION_STATUSES)[number]

/**
 * Why connecting a channel failed. A browser coming back from Google's consent page is sent on to the
 * web app's channel page with `?youtube=<reason>` (or `connected`); API clients get it as `reason` in the problem.
 */
export const YOUTUBE_CONNECT_FAILURES = [
  'denied',
  'state_unknown',
  'state_used',
  'state_expired',
  'code_refused',
  'no_offline_access',
  'scopes_missing',
  'no_channel',
  'already_linked',
  'quota_spent',
  'google_unreachable',
  'not_configured',
  'failed',
] as const
export type YouTubeConnectFailure = (typeof YOUTUBE_CONNECT_FAILURES)[number]

/** What a video job carries when it is to be published; its presence puts the publish stage in the video's pipeline. */
export interface PublishRequest {
  /** Job-scoped, single-purpose capability the core checks (not a Google credential; useless once the video is published). */
  grant: string
  /** A video rendered earlier (published afterwards): its files. Absent in a full pipeline run, where the stages hand them over. */
  files?: { scriptKey: string; videoKey: string; thumbnailKey: string | null }
}

/** The channel's settings for an upload, as the core sees them when the upload starts. */
export interface PublishSettings {
  privacy: PrivacyStatus
  /** ISO-8601; only with privacy `private` (YouTube's rule). */
  publishAt: string | null
  categoryId: string
  madeForKids: boolean
  containsSyntheticMedia: boolean
  /** BCP 47; defaultLanguage and defaultAudioLanguage. */
  language: string
}

/** The core's answer when a publish job starts (`POST /internal/youtube/publications/:videoId/begin`). */
export type PublishBegin =
  | {
      action: 'upload'
      accessToken: string
      /** ISO-8601 */
      accessTokenExpiresAt: string
      settings: PublishSettings
      /** the resumable session already opened for this video, if any */
      session: { uri: string; size: number } | null
      /** the last chunk may have been sent: a video may exist even without an answer */
      finalChunkSent: boolean
      /** the YouTube video, once created */
      youtubeVideoId: string | null
      thumbnail: 'pending' | 'set' | 'skipped' | 'failed'
      customThumbnails: boolean
    }
  /** quota or the channel's upload limit: try again at `until` (a delayed job, not a failure) */
  | { action: 'wait'; until: string; retryAfterMs: number; reason: string }
  /** the channel needs reconnecting: the core dispatches the job again when it is */
  | { action: 'pause'; reason: string }
  /** nothing to do: published already, or failed for good */
  | { action: 'done'; youtubeVideoId: string }
  | { action: 'stop'; reason: string }

/** The core's answer to a quota reservation or a reported limit. */
export type QuotaAnswer = { granted: true } | { granted: false; until: string; retryAfterMs: number; reason: string }

/**
 * Whether a channel's revenue is counted: `available` (monetary scope granted and YouTube answers),
 * `not_granted` (the channel was connected without the monetary scope), `forbidden` (YouTube refused
 * estimatedRevenue: not in the Partner Program; asked again only after a while or a reconnect),
 * `unknown` (not asked yet).
 */
export const REVENUE_STATUSES = ['unknown', 'available', 'not_granted', 'forbidden'] as const
export type RevenueStatus = (typeof REVENUE_STATUSES)[number]

/** Where a YouTube video of a connected channel came from: published by ytempire, or by other means. */
export const YOUTUBE_VIDEO_SOURCES = ['platform', 'external'] as const
export type YouTubeVideoSource = (typeof YOUTUBE_VIDEO_SOURCES)[number]

/** How the platform learned of a YouTube video: push (WebSub), the uploads poll, or an analytics report. */
export const YOUTUBE_VIDEO_SIGHTINGS = ['websub', 'poll', 'report'] as const
export type YouTubeVideoSighting = (typeof YOUTUBE_VIDEO_SIGHTINGS)[number]

/** How an analytics run of a channel ended. */
export const ANALYTICS_RUN_STATUSES = ['ok', 'waiting_quota', 'reconnect_needed', 'failed'] as const
export type AnalyticsRunStatus = (typeof ANALYTICS_RUN_STATUSES)[number]

/** A channel's WebSub subscription at the hub. */
export const WEBSUB_STATES = ['subscribing', 'active', 'unsubscribing', 'failed'] as const
export type WebSubState = (typeof WEBSUB_STATES)[number]
